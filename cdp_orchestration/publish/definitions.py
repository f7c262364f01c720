"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.publish.assets import analytics_copy


def defs() -> Definitions:
    return Definitions(assets=[analytics_copy()])
