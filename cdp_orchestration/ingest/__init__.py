"""Ingestion: dlt loads of the source systems (or the bundled simulator) into the warehouse's raw schemas."""

from dagster import Definitions
from dagster_dlt import DagsterDltResource

from cdp_orchestration.ingest.assets import source_assets
from cdp_orchestration.ingest.resources import SourceSystems

defs = Definitions(
    assets=source_assets,
    resources={"dlt": DagsterDltResource(), "sources": SourceSystems()},
)
