"""The Dagster definitions of this area (the `sources` resource comes from the ingest area)."""

from dagster import Definitions

from cdp_orchestration.exports.assets import export_assets

defs = Definitions(assets=export_assets)
