"""The Dagster definitions of this area."""

from dagster import Definitions
from dagster_dlt import DagsterDltResource

from cdp_orchestration.ingest.assets import source_assets
from cdp_orchestration.resources import SourceSystems


def defs() -> Definitions:
    return Definitions(assets=source_assets(), resources={"dlt": DagsterDltResource(), "sources": SourceSystems()})
