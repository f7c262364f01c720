"""The CDP's one `Definitions`, merged from one small package per area."""

from dagster import Definitions

from cdp_orchestration.ingest.definitions import defs as ingest_defs
from cdp_orchestration.jobs import nightly_job, nightly_schedule
from cdp_orchestration.progress import progress_logger
from cdp_orchestration.publish.definitions import defs as publish_defs
from cdp_orchestration.resolution.definitions import defs as resolution_defs
from cdp_orchestration.transform.definitions import defs as transform_defs

defs = Definitions.merge(
    ingest_defs,
    transform_defs,
    resolution_defs,
    publish_defs,
    # `progress` is what `cdp run` shows at the terminal; `dagster dev` keeps Dagster's console logger.
    Definitions(jobs=[nightly_job], schedules=[nightly_schedule], loggers={"progress": progress_logger}),
)
