"""The Dagster definitions: one connected lineage, a schedule that skips while busy, blocking checks."""

from __future__ import annotations

import shutil

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    RunRequest,
    SkipReason,
    build_schedule_context,
    instance_for_test,
)
from dagster._core.storage.dagster_run import DagsterRun

from cdp_orchestration.definitions import defs as build_definitions
from cdp_orchestration.jobs import NIGHTLY_JOB_NAME, nightly_schedule


@pytest.fixture(scope="module")
def graph():
    return build_definitions().resolve_asset_graph()


def upstream_closure(graph, key: AssetKey) -> set[AssetKey]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_every_raw_source_of_dbt_is_a_dlt_load(graph):
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    raw_deps = {p for k in materializable for p in graph.get(k).parent_keys if p.path[0] == "dlt"}
    assert raw_deps and raw_deps <= materializable, raw_deps - materializable


def test_one_lineage_from_the_source_apis_to_the_marts(graph):
    upstream = upstream_closure(graph, AssetKey(["marts", "customer_360"]))
    for key in (
        ["dlt", "shopify", "customers"],
        ["dlt", "square", "orders"],
        ["dlt", "hubspot", "contacts"],
        ["intermediate", "int_person_records"],
        ["identity", "customer_assignments"],
        ["intermediate", "customer_predictions"],
    ):
        assert AssetKey(key) in upstream, key
    assert AssetKey(["marts", "customer_360"]) in upstream_closure(graph, AssetKey(["analytics_copy"]))


def test_the_nightly_job_covers_the_whole_graph(graph):
    job = build_definitions().resolve_job_def(NIGHTLY_JOB_NAME)
    selected = job.asset_layer.selected_asset_keys
    assert {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable} <= selected


def test_a_schedule_tick_requests_a_run():
    with instance_for_test() as instance:
        assert isinstance(nightly_schedule(build_schedule_context(instance=instance)), RunRequest)


def test_a_schedule_tick_skips_while_the_last_night_still_runs():
    with instance_for_test() as instance:
        instance.add_run(DagsterRun(job_name=NIGHTLY_JOB_NAME, run_id="still-running", status=DagsterRunStatus.STARTED))
        assert isinstance(nightly_schedule(build_schedule_context(instance=instance)), SkipReason)


def test_a_failing_blocking_check_stops_everything_downstream(built_warehouse, cdp_home, tmp_path, monkeypatch):
    """Identity that glues too many records into one customer must not reach the marts or the exports."""
    home = tmp_path / "home"
    shutil.copytree(cdp_home, home, ignore=shutil.ignore_patterns("dagster", "dlt"))
    monkeypatch.setenv("CDP_HOME", str(home))
    monkeypatch.setattr("cdp_orchestration.resolution.checks.MAX_PLAUSIBLE_CLUSTER", 1)
    graph = build_definitions().resolve_asset_graph()
    identity_and_after = {
        AssetKey(["identity", "customer_assignments"]),
        AssetKey(["identity", "match_evidence"]),
        AssetKey(["identity", "id_history"]),
    }
    downstream = {
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and upstream_closure(graph, k) & identity_and_after
    }
    job = build_definitions().resolve_job_def(NIGHTLY_JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=list(identity_and_after | downstream)
        )
    checks = {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert checks.get("cluster_size_outliers") is False
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["marts", "customer_360"]) not in materialized
    assert not (materialized & downstream), materialized & downstream
