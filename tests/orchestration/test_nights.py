"""Which of Dagster's runs count as nights of the whole lineage (the "last good night" the watchdog and `cdp status`
judge staleness by): a run of part of the lineage, such as `cdp run --select`, leaves the loads, the exports or the
analytics copy as they were, so it must not count as one."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, DagsterRunStatus

from cdp_orchestration.definitions import defs as build_definitions
from cdp_orchestration.jobs import NIGHTLY_JOB_NAME
from cdp_orchestration.operations.health import ASSET_JOB_NAME, nights
from operations import Night
from tests.conftest import run_cdp


@pytest.mark.parametrize(
    ("job", "selection", "whole"),
    [
        (NIGHTLY_JOB_NAME, None, True),
        (NIGHTLY_JOB_NAME, set(), True),  # how a headless `cdp run` of the whole job is recorded
        (NIGHTLY_JOB_NAME, {AssetKey(["marts", "fct_orders"]), AssetKey(["marts", "campaign_results"])}, False),
        (NIGHTLY_JOB_NAME, {AssetKey(["marts", "fct_orders"]), AssetKey(["exports", "mailchimp"])}, False),
        (NIGHTLY_JOB_NAME, {AssetKey(["dlt", "shopify", "orders"]), AssetKey(["exports", "mailchimp"])}, False),
        (ASSET_JOB_NAME, None, True),
        (ASSET_JOB_NAME, {AssetKey(["staging", "stg_shopify__orders"])}, False),
    ],
)
def test_a_night_counts_as_whole_only_when_it_ran_from_the_loads_to_the_exports(
    job: str, selection: set[AssetKey] | None, whole: bool
) -> None:
    assert night_of(job, selection).complete is whole


def night_of(job: str, selection: set[AssetKey] | None) -> Night:
    """The night Dagster's record of one successful run of `job` over `selection` gives."""
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
    return night


def test_materializing_every_asset_is_a_whole_night_and_leaving_a_load_or_an_export_out_is_not() -> None:
    """The UI's "Materialize all" records every asset of the definitions as its selection."""
    every = build_definitions().resolve_asset_graph().get_all_asset_keys()
    one_load = next(key for key in sorted(every) if key.path[0] == "dlt")
    its_source = {key for key in every if key.path[:2] == one_load.path[:2]}
    one_export = next(key for key in sorted(every) if key.path[0] == "exports")
    assert night_of(ASSET_JOB_NAME, set(every)).complete
    assert not night_of(ASSET_JOB_NAME, set(every) - its_source).complete
    assert not night_of(ASSET_JOB_NAME, set(every) - {one_export}).complete


def run_ids(home: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The runs Dagster recorded in `home`'s instance."""
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with DagsterInstance.get() as instance:
        return {record.dagster_run.run_id for record in instance.get_run_records()}


def test_a_run_of_one_export_alone_is_not_a_good_night(home_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cdp run --select` of one export sends again what the last night built and loads nothing: the good night
    `cdp status` gives is still the session's whole `cdp run`, not it."""
    (session_night,) = run_ids(home_copy, monkeypatch)
    export_only = run_cdp(home_copy, "run", "--select", 'key:"exports/mailchimp"')
    assert export_only.returncode == 0, export_only.stderr[-3000:]
    (export_run,) = run_ids(home_copy, monkeypatch) - {session_night}
    status = run_cdp(home_copy, "status")
    lines = status.stdout.splitlines()
    good = next(line for line in lines if line.startswith("last good night"))
    last = next((line for line in lines if line.startswith("last run")), "")
    assert session_night in good and export_run not in good, status.stdout
    assert export_run in last, status.stdout
