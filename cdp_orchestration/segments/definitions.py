"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.segments.assets import dbt_segment_candidates, segment_membership

defs = Definitions(assets=[dbt_segment_candidates, segment_membership])
