"""Which of Dagster's runs count as nights of the whole lineage (the "last good night" the watchdog and `cdp status`
judge staleness by): a run of part of the lineage, such as `cdp run --select`, leaves the exports and the analytics
copy as they were, so it must not count as one."""

from __future__ import annotations

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, DagsterRunStatus

from cdp_orchestration.jobs import NIGHTLY_JOB_NAME
from cdp_orchestration.operations.health import ASSET_JOB_NAME, nights


@pytest.mark.parametrize(
    ("job", "selection", "whole"),
    [
        (NIGHTLY_JOB_NAME, None, True),
        (NIGHTLY_JOB_NAME, set(), True),  # how a headless `cdp run` of the whole job is recorded
        (NIGHTLY_JOB_NAME, {AssetKey(["marts", "fct_orders"]), AssetKey(["marts", "campaign_results"])}, False),
        (NIGHTLY_JOB_NAME, {AssetKey(["marts", "fct_orders"]), AssetKey(["exports", "mailchimp"])}, True),
        (ASSET_JOB_NAME, None, True),
        (ASSET_JOB_NAME, {AssetKey(["staging", "stg_shopify__orders"])}, False),
    ],
)
def test_a_night_counts_as_whole_only_when_it_reached_the_exports(
    job: str, selection: set[AssetKey] | None, whole: bool
) -> None:
    with DagsterInstance.ephemeral() as instance:
        instance.add_run(
            DagsterRun(
                job_name=job,
                run_id="0" * 8 + "-0000-0000-0000-000000000000",
                status=DagsterRunStatus.SUCCESS,
                asset_selection=frozenset(selection) if selection is not None else None,
            )
        )
        (night,) = nights(instance)
    assert night.complete is whole
