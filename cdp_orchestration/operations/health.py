"""The installation's health as `operations` judges it, with the nights taken from Dagster's run records."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunRecord, RunsFilter
from dagster_shared.error import SerializableErrorInfo

from activation.config import load_destinations
from cdp_orchestration.jobs import NIGHTLY_JOB_NAME
from dlt_sources.pipelines import SOURCES
from operations import Alert, Finding, Health, Night, checked_kinds, findings, notify, read_health, thresholds

# "Materialize all" in the UI runs the implicit asset job over the same lineage.
ASSET_JOB_NAME = "__ASSET_JOB"
RECENT_RUNS = 50
_STATUS = {
    DagsterRunStatus.SUCCESS: "success",
    DagsterRunStatus.FAILURE: "failure",
    DagsterRunStatus.CANCELED: "canceled",
}


def nights(instance: DagsterInstance, limit: int = RECENT_RUNS) -> list[Night]:
    """The latest runs of the nightly lineage (the `nightly` job and UI materialisations), newest first."""
    records = instance.get_run_records(RunsFilter(job_name=NIGHTLY_JOB_NAME), limit=limit)
    records += instance.get_run_records(RunsFilter(job_name=ASSET_JOB_NAME), limit=limit)
    records.sort(key=lambda r: r.create_timestamp, reverse=True)
    return [_night(instance, record) for record in records[:limit]]


def _night(instance: DagsterInstance, record: RunRecord) -> Night:
    run = record.dagster_run
    status = _STATUS.get(run.status, "running")
    failed_step, error = _failure(instance, run) if status == "failure" else (None, None)
    return Night(
        run_id=run.run_id,
        job=run.job_name,
        status=status,
        started_at=datetime.fromtimestamp(record.start_time or record.create_timestamp.timestamp(), UTC),
        finished_at=datetime.fromtimestamp(record.end_time, UTC) if record.end_time else None,
        complete=_runs_whole_lineage(run),
        failed_step=failed_step,
        error=error,
    )


def _runs_whole_lineage(run: DagsterRun) -> bool:
    """A good night is one that ran from the loads to the exports: a run of the whole lineage, or one whose selection
    (the UI's, or `cdp run --select`) holds every source's load and every destination's export. A part of the lineage
    leaves the rest as it was: an export alone sends again what an older night built, and loads nothing."""
    if not run.asset_selection:  # None, or empty as `execute_in_process` records a whole job
        return True
    loaded = {key.path[1] for key in run.asset_selection if key.path[0] == "dlt" and len(key.path) > 1}
    sources, exports = _loads_and_exports()
    return sources <= loaded and exports <= run.asset_selection


@cache
def _loads_and_exports() -> tuple[frozenset[str], frozenset[AssetKey]]:
    """The sources whose loads (`dlt/<source>/…`) start a night and the export assets that end it."""
    return frozenset(SOURCES), frozenset(AssetKey(["exports", d.name]) for d in load_destinations())


def _failure(instance: DagsterInstance, run: DagsterRun) -> tuple[str | None, str | None]:
    """The first failed step and the error the CDP's code raised there, or the run's own failure message."""
    for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE):
        event = entry.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        return event.step_key if event else None, own_error(error) if error else None
    for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE):
        return None, entry.dagster_event.message if entry.dagster_event else None
    return None, None


def own_error(error: SerializableErrorInfo) -> str:
    """The error the CDP's code raised in a step, under Dagster's wrappers: the one that says what to fix (e.g. the
    setting of an unreachable source), not the library error it explains."""
    while error.cls_name.startswith("Dagster") and error.cause is not None:
        error = error.cause
    # Dagster's message starts with the exception's dotted name again.
    message = re.sub(rf"^[\w.]*{re.escape(error.cls_name)}: ", "", error.message.strip())
    return f"{error.cls_name}: {message}"


def check(instance: DagsterInstance, send: bool = True) -> tuple[Health, list[Finding], list[Alert]]:
    """The health, what in it needs a person, and (with `send`) the alerts that were news and went out."""
    health = read_health(nights(instance), datetime.now(UTC))
    found = findings(health, thresholds())
    return health, found, notify(found, checked_kinds(health)) if send else []
