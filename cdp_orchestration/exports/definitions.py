"""The Dagster definitions of this area (the `sources` and `warehouse` resources are shared, see resources.py)."""

from dagster import Definitions

from cdp_orchestration.exports.assets import export_assets


def defs() -> Definitions:
    return Definitions(assets=list(export_assets()))
