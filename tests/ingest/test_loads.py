"""The loads against the running simulator: exact, incremental, quarantined, and clear about failures."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dlt_sources.connections import Connection, SourceConfigurationError, explain_http_failure, source_clock
from dlt_sources.pipelines import SOURCES, make_source
from simulator import advance_day, running_simulator
from simulator.malformed import UNKNOWN_FIELD
from tests.ingest.helpers import expected_counts, load_all, pipeline_for, warehouse_counts

PEOPLE, SEED = 200, 11
# The raw table each simulated entity lands in.
TABLES = {
    ("shopify", "customer"): "customers",
    ("square", "customer"): "customers",
    ("hubspot", "contact"): "contacts",
    ("shopify", "order"): "orders",
    ("square", "order"): "orders",
    ("shopify", "checkout"): "checkouts",
    ("square", "loyalty_account"): "loyalty_accounts",
    ("square", "loyalty_event"): "loyalty_events",
    ("hubspot", "feedback_submission"): "feedback_submissions",
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, dict]]:
    """A simulator and a warehouse with one full load of every source, its malformed records including values of
    another type than the APIs document (a fault typed APIs never send, asked for by name)."""
    home = tmp_path_factory.mktemp("ingest")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CDP_HOME", str(home))
        env.setenv("CDP_MALFORMED_OPT_IN", "wrong_type")
        with running_simulator(home=home, people=PEOPLE, seed=SEED, in_thread=True) as base_url:
            first = load_all(base_url)
            yield home, base_url, first


def test_full_load_equals_the_simulators_data(loaded):
    home, _, _ = loaded
    expected = expected_counts(home)
    counts = warehouse_counts(home / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    assert all(rows == ids for rows, ids in counts.values()), counts


def test_every_malformed_record_is_quarantined_with_a_reason(loaded):
    home, _, _ = loaded
    with (home / "simulator" / "malformed.csv").open() as handle:
        malformed = list(csv.DictReader(handle))
    planted = {record["defect"] for record in malformed}
    assert {"wrong_type", "unknown_field", "negative_amount", "long_string"} <= planted, planted
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        quarantined = {
            (source, record_id): (disposition, reason)
            for source in SOURCES
            if con.sql(
                f"select 1 from information_schema.tables where table_schema = 'raw_{source}' "
                "and table_name = 'quarantine'"
            ).fetchall()
            for record_id, disposition, reason in con.sql(
                f"select source_record_id, disposition, reason from raw_{source}.quarantine"
            ).fetchall()
        }
        columns = {
            (s, t, c)
            for s, t, c in con.sql(
                "select table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
        }
    for record in malformed:
        key = (record["source_system"], record["source_record_id"])
        if record["defect"] == "unknown_field":
            # New fields are absorbed as columns, not treated as bad records.
            table = TABLES[(record["source_system"], record["entity"])]
            absorbed = {c for s, t, c in columns if s == f"raw_{record['source_system']}" and t == table}
            assert any(c.startswith(UNKNOWN_FIELD[0]) for c in absorbed), record
            continue
        assert key in quarantined, f"{record} not in quarantine"
        disposition, reason = quarantined[key]
        assert reason, record
        expected = (
            "rejected"
            if (record["defect"] in ("negative_amount", "wrong_type") and record["entity"] in ("order", "checkout"))
            or record["source_system"] == "web"  # an event with no client, no time or no JSON says nothing
            else None
        )
        if expected:
            assert disposition == expected, (record, disposition, reason)


def test_a_second_run_with_no_new_day_loads_nothing_new(loaded):
    home, base_url, _ = loaded
    before = warehouse_counts(home / "warehouse.duckdb", list(expected_counts(home)))
    rows = load_all(base_url)
    after = warehouse_counts(home / "warehouse.duckdb", list(expected_counts(home)))
    assert after == before
    loaded_again = {
        t: n
        for source in rows.values()
        for t, n in source.items()
        if not t.startswith("_dlt") and not t.startswith("locations")
    }
    assert loaded_again == {}, loaded_again


def test_a_new_day_loads_only_the_changes(loaded):
    home, base_url, _ = loaded
    before = expected_counts(home)
    advance_day(1, home=home)
    after = expected_counts(home)
    assert after["raw_square.orders"] > before["raw_square.orders"]
    rows = load_all(base_url)
    counts = warehouse_counts(home / "warehouse.duckdb", list(after))
    assert {t: n for t, (n, _) in counts.items()} == after
    # New orders are appended records; a day touches a small share of everything.
    new_square_orders = after["raw_square.orders"] - before["raw_square.orders"]
    assert new_square_orders <= rows["square"]["orders"] < before["raw_square.orders"]
    assert rows["shopify"].get("customers", 0) < before["raw_shopify.customers"]
    # Events only ever arrive: a day loads exactly the new ones (the web's new day file, the ledger's new lines, the
    # new survey answers), and of the loyalty accounts those whose balance moved.
    assert after["raw_web.pixel_events"] > before["raw_web.pixel_events"]
    for table in ("raw_web.pixel_events", "raw_square.loyalty_events", "raw_hubspot.feedback_submissions"):
        source, resource = table.removeprefix("raw_").split(".")
        assert rows[source].get(resource, 0) == after[table] - before[table], table
    assert rows["square"].get("loyalty_accounts", 0) < before["raw_square.loyalty_accounts"]


def test_a_refused_token_says_which_setting_to_fix(loaded):
    _, base_url, _ = loaded
    pipeline = pipeline_for("shopify")
    with pytest.raises(Exception) as failure:
        pipeline.run(make_source(Connection("shopify", base_url, "", simulated=True)))
    explained = explain_http_failure("shopify", failure.value)
    assert explained is not None and "sources.shopify.access_token" in str(explained)


def test_an_unreachable_source_says_which_setting_to_fix():
    with pytest.raises(SourceConfigurationError, match="sources.square.base_url"):
        source_clock(Connection("square", "http://127.0.0.1:9", "token", simulated=False), timeout_seconds=2)


def test_the_source_clock_is_the_simulators(loaded):
    _, base_url, _ = loaded
    clock = source_clock(Connection("hubspot", base_url, "token", simulated=True))
    assert clock.year == 2026 and clock.month == 6 and clock.hour == 2
