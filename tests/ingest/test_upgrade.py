"""A home whose raw tables an older release's loaders wrote: the next night's loads upgrade it instead of failing.

The older loaders handed dlt dicts, which dlt normalised itself: nested lists became child tables under their parent,
Shopify's records came from its REST API with integer IDs, and every cursor was dlt's incremental. The layout is
planted here with dlt as those loaders left it (dict records, their child lists, a quarantine row and a consent
observation of an earlier night), without the older code; then the loads of the nightly job run on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dagster import DagsterInstance

from cdp_orchestration.cli.summary import warehouse_facts
from cdp_orchestration.definitions import defs as build_definitions
from cdp_orchestration.jobs import NIGHTLY_JOB_NAME
from dlt_sources.common.upgrade import normalised_by_dlt
from simulator import advance_day
from tests.ingest.helpers import expected_counts, pipeline_for, warehouse_counts

PEOPLE = "60"
OLD_TIME = "2020-01-01T00:00:00Z"
# One record per source that the source does not hold (an old order a source no longer serves, as Shopify serves
# only 60 days of orders without `read_all_orders`): the reload must not bring it into the new tables, and the
# upgrade must not lose it either.
PLANTED = {
    "shopify": {
        "customers": [{"id": 1, "email": "old@example.com", "updated_at": OLD_TIME, "addresses": [{"id": 2}]}],
        "orders": [{"id": 3, "updated_at": OLD_TIME, "line_items": [{"id": 4, "quantity": 1}]}],
    },
    "square": {
        "orders": [{"id": "OLD", "updated_at": OLD_TIME, "line_items": [{"uid": "L", "quantity": "1"}]}],
        "locations": [{"id": "OLD", "capabilities": ["CREDIT_CARD_PROCESSING"]}],
    },
    "hubspot": {
        "tickets": [{"id": "5", "updatedAt": OLD_TIME, "associated_contacts_ids": ["6"]}],
        "email_events": [{"id": "7", "created": 1577836800000, "subscriptions": [{"id": 8, "status": "SUBSCRIBED"}]}],
    },
}
# History no source sends again, as an earlier night left it.
QUARANTINED_EARLIER = {
    "quarantine_key": "planted-by-an-earlier-night",
    "entity": "customer",
    "source_record_id": "9",
    "disposition": "rejected",
    "reason": "email is not a valid email address",
    "payload": "{}",
}
OBSERVED_EARLIER = {"customer_id": "PLANTED", "email_unsubscribed": True, "observed_at": OLD_TIME}


def plant_older_layout(source: str) -> None:
    """The source's pipeline as the older loaders left it: dict records normalised by dlt, merged on their key."""

    @dlt.source(name=source)
    def older() -> list[Any]:
        resources = [
            dlt.resource(rows, name=table, write_disposition="merge", primary_key="id")
            for table, rows in PLANTED[source].items()
        ]
        resources.append(
            dlt.resource(
                [QUARANTINED_EARLIER], name="quarantine", write_disposition="merge", primary_key="quarantine_key"
            )
        )
        if source == "square":
            resources.append(
                dlt.resource(
                    [OBSERVED_EARLIER],
                    name="consent_observations",
                    write_disposition="merge",
                    primary_key=("customer_id", "observed_at"),
                )
            )
        return resources

    pipeline_for(source).run(older())


def run_loads() -> tuple[Any, list[str]]:
    """The nightly job's loads of the planted sources, as `cdp run` runs them; the run and what it logged."""
    defs = build_definitions()
    loads = [
        key
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if key.path[0] == "dlt" and key.path[1] in PLANTED
    ]
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(NIGHTLY_JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=loads
        )
        return result, [entry.user_message for entry in instance.all_logs(result.run_id)]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, list[str]]]:
    home = tmp_path_factory.mktemp("older_home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CDP_HOME", str(home))
        env.setenv("CDP_PEOPLE", PEOPLE)
        env.delenv("DAGSTER_HOME", raising=False)
        # No retention: the load must hold exactly what the simulator holds, however old.
        (home / "retention.yml").write_text("rules: []\n")
        env.setenv("CDP_RETENTION_FILE", str(home / "retention.yml"))
        for source in PLANTED:
            plant_older_layout(source)
        result, said = run_loads()
        yield home, result, said


def test_the_loads_upgrade_an_older_releases_raw_tables_to_the_sources_data(upgraded):
    home, result, _ = upgraded
    assert_loaded_exactly(home, result)


def assert_loaded_exactly(home: Path, result: Any) -> None:
    """The loads succeeded, and the raw tables hold each record the simulator holds, once."""
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, [_causes(e.step_failure_data.error) for e in failed]
    expected = {t: n for t, n in expected_counts(home).items() if t.split(".")[0].removeprefix("raw_") in PLANTED}
    counts = warehouse_counts(home / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    assert all(rows == ids for rows, ids in counts.values()), counts


def _causes(error: Any) -> str:
    """A step's error with the errors that caused it (dlt's own is at the end of the chain)."""
    return error.message + (_causes(error.cause) if error.cause else "")


def test_the_history_no_source_sends_again_is_kept(upgraded):
    home, _, _ = upgraded
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for source in PLANTED:
            kept = con.execute(
                f"select entity, source_record_id, reason from raw_{source}.quarantine where quarantine_key = ?",
                [QUARANTINED_EARLIER["quarantine_key"]],
            ).fetchall()
            assert kept == [("customer", "9", QUARANTINED_EARLIER["reason"])], source
        observed = con.sql(
            "select email_unsubscribed from raw_square.consent_observations where customer_id = 'PLANTED'"
        ).fetchall()
        assert observed == [(True,)]
        set_aside = con.sql("select table_name from information_schema.tables where table_name like '%before_reload'")
        assert set_aside.fetchall() == []


def test_the_rows_the_sources_no_longer_serve_are_kept_and_the_night_says_where(upgraded):
    home, _, said = upgraded
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for source, planted in PLANTED.items():
            kept = f"raw_{source}__before_upgrade"
            for table, rows in planted.items():
                ids = con.execute(f"select cast(id as varchar) from {kept}.{table}").fetchall()
                assert ids == [(str(row["id"]),) for row in rows], (source, table)
                # Their nested lists as the older loaders' dlt wrote them, still under them.
                (field,) = (name for name, value in rows[0].items() if isinstance(value, list))
                children = con.execute(
                    f"select count(*) from {kept}.{table}__{field} as c join {kept}.{table} as p "
                    "on c._dlt_parent_id = p._dlt_id"
                ).fetchall()
                assert children == [(len(rows[0][field]),)], (source, table, field)
            assert any(f"drop schema {kept} cascade" in line for line in said), (source, said)


def test_the_night_says_what_it_upgraded(upgraded):
    _, _, said = upgraded
    for source in PLANTED:
        assert any(f"{source}: its raw tables were written by an older release" in line for line in said), source


def test_the_upgraded_pipelines_hold_only_the_loaders_own_layout(upgraded):
    home, _, _ = upgraded
    for source in PLANTED:
        schema = dlt.pipeline(pipeline_name=f"cdp_{source}", pipelines_dir=str(home / "dlt")).default_schema
        assert normalised_by_dlt(schema) == [], source


def test_the_next_day_loads_the_new_data_without_upgrading_again(upgraded):
    home, _, _ = upgraded
    advance_day(1, home=home)
    result, said = run_loads()
    assert_loaded_exactly(home, result)
    assert not [line for line in said if "older release" in line or "carried over" in line]


def test_every_night_names_the_rows_kept_from_before_the_upgrade(upgraded, monkeypatch: pytest.MonkeyPatch):
    home, _, _ = upgraded
    monkeypatch.setenv("CDP_HOME", str(home))
    facts = dict(warehouse_facts())
    for source, planted in PLANTED.items():
        # Each planted record, and each item of its one nested list (a child table of the older layout).
        rows = sum(1 + len(next(v for v in record.values() if isinstance(v, list))) for t in planted.values()
                   for record in t)  # fmt: skip
        assert facts[f"raw_{source}__before_upgrade"].startswith(f"{rows:,} rows kept from before an upgrade"), facts
