"""The CDP's one `Definitions`, merged from one small package per area."""

from dagster import Definitions

from cdp_orchestration import ingest
from cdp_orchestration.jobs import nightly_job, nightly_schedule

defs = Definitions.merge(
    ingest.defs,
    Definitions(jobs=[nightly_job], schedules=[nightly_schedule]),
)
