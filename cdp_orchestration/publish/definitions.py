"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.publish.assets import analytics_copy

defs = Definitions(assets=[analytics_copy])
