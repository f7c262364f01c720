"""The nightly job over the whole asset graph, and its schedule."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)

NIGHTLY_JOB_NAME = "nightly"

# DuckDB allows one writer per file: the steps run one after another in one process.
nightly_job = define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Load every source, build the models, resolve identities, compute segments and export them.",
)

_ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


@schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="UTC")
def nightly_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """02:00 UTC every night; skipped while the previous night's run is still going."""
    active = context.instance.get_runs(RunsFilter(job_name=NIGHTLY_JOB_NAME, statuses=_ACTIVE), limit=1)
    if active:
        return SkipReason(f"The nightly job is still running (run {active[0].run_id}); skipping this tick.")
    return RunRequest(run_key=None)
