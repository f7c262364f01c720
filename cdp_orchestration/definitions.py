"""The CDP's one `Definitions`, merged from one small package per area, built when Dagster asks for it."""

from dagster import Definitions, definitions, in_process_executor

from cdp_orchestration.exports import definitions as exports
from cdp_orchestration.ingest import definitions as ingest
from cdp_orchestration.jobs import nightly_job, nightly_schedule
from cdp_orchestration.operations import definitions as operations
from cdp_orchestration.predictive import definitions as predictive
from cdp_orchestration.progress import progress_logger
from cdp_orchestration.publish import definitions as publish
from cdp_orchestration.resolution import definitions as resolution
from cdp_orchestration.resources import WarehouseResource
from cdp_orchestration.segments import definitions as segments
from cdp_orchestration.transform import definitions as transform


@definitions
def defs() -> Definitions:
    return Definitions.merge(
        ingest.defs(),
        transform.defs(),
        resolution.defs(),
        predictive.defs(),
        segments.defs(),
        exports.defs(),
        publish.defs(),
        operations.defs(),
        # `progress` is what `cdp run` shows at the terminal; `dagster dev` keeps Dagster's console logger.
        # In one process, one step at a time: DuckDB takes one writer per file, and "Materialize all" in
        # `dagster dev` runs the implicit asset job with this executor.
        Definitions(
            jobs=[nightly_job],
            schedules=[nightly_schedule],
            loggers={"progress": progress_logger},
            executor=in_process_executor,
            resources={"warehouse": WarehouseResource()},
        ),
    )
