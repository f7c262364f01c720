"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.segments.assets import segment_membership


def defs() -> Definitions:
    return Definitions(assets=[segment_membership()])
