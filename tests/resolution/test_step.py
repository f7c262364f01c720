"""The nightly identity step on a warehouse of planted person records: which nights are incremental, which full."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from resolution import record_override, resolve_warehouse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))

from identity_datagen import PLANTED_A, PLANTED_B, generate, planted_person_seen_twice  # noqa: E402


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path, list[Path]]]:
    records = generate(300, seed=21).drop(columns=["person_id", "household_id"])
    records["source_record_id"] = records["record_id"].str.split(":").str[1]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema intermediate")
    con.register("records_in", records)
    con.execute("create table intermediate.int_person_records as select * from records_in")
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("record_id_l,record_id_r,decision,reason,author\n")
    yield con, tmp_path / "identity" / "model.json", [overrides]
    con.close()


def assignment(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.sql("select record_id, customer_id from identity.customer_assignments").fetchall())


def test_the_first_night_is_full_and_the_next_incremental(warehouse) -> None:
    con, model, overrides = warehouse
    first = resolve_warehouse(con, model, overrides, "night-1")
    before = assignment(con)
    second = resolve_warehouse(con, model, overrides, "night-2")
    assert (first.model_trained, first.incremental) == (True, False)
    assert (second.model_trained, second.incremental, second.changed_records) == (False, True, 0)
    assert assignment(con) == before
    runs = con.sql("select incremental, changed_records from identity.resolution_runs order by resolved_at").fetchall()
    assert runs == [(False, first.records), (True, 0)]


def test_a_new_record_is_resolved_alone(warehouse) -> None:
    con, model, overrides = warehouse
    resolve_warehouse(con, model, overrides, "night-1")
    before = assignment(con)
    con.execute(
        "insert into intermediate.int_person_records (record_id, source_system, source_record_id, first_name, "
        "last_name, email) values ('shopify:new-1', 'shopify', 'new-1', 'Planted', 'Newcomer', 'planted@example.org')"
    )
    night = resolve_warehouse(con, model, overrides, "night-2")
    after = assignment(con)
    assert night.incremental and night.changed_records == 1
    assert {r: after[r] for r in before} == before
    assert after["shopify:new-1"] not in before.values()


def test_a_forget_since_the_model_was_trained_retrains_it(warehouse) -> None:
    # The model's term-frequency counts were made from the forgotten person's records too.
    con, model, overrides = warehouse
    resolve_warehouse(con, model, overrides, "night-1")
    forgotten = next(iter(assignment(con).values()))
    con.execute(
        "insert into identity.id_history values (?, null, 'erase', 'privacy:request', ?)",
        [forgotten, datetime.now(UTC) + timedelta(seconds=1)],
    )
    night = resolve_warehouse(con, model, overrides, "night-2")
    assert night.model_trained and not night.incremental
    assert not resolve_warehouse(con, model, overrides, "night-3").model_trained


def test_retrain_when_asked_resolves_in_full(warehouse) -> None:
    con, model, overrides = warehouse
    resolve_warehouse(con, model, overrides, "night-1")
    night = resolve_warehouse(con, model, overrides, "night-2", retrain=True)
    assert night.model_trained and not night.incremental


def test_a_night_without_the_state_resolves_in_full(warehouse) -> None:
    con, model, overrides = warehouse
    resolve_warehouse(con, model, overrides, "night-1")
    before = assignment(con)
    con.execute("delete from identity.record_fingerprints")
    night = resolve_warehouse(con, model, overrides, "night-2")
    assert not night.model_trained and not night.incremental
    assert assignment(con) == before


def test_the_night_keeps_its_state_in_the_identity_schema(warehouse) -> None:
    con, model, overrides = warehouse
    a, b = con.sql("select record_id from intermediate.int_person_records order by record_id limit 2").fetchall()
    with overrides[0].open("a") as handle:
        handle.write(f"{a[0]},{b[0]},different,test,tests\n")
    resolve_warehouse(con, model, overrides, "night-1")
    fingerprints = con.sql("select * from identity.record_fingerprints").df()
    records = con.sql("select record_id from intermediate.int_person_records").df()
    assert set(fingerprints["record_id"]) == set(records["record_id"])
    assert fingerprints["fingerprint"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert con.sql("select count(*) from identity.resolution_state").fetchall()[0][0] == 1
    applied = con.sql("select record_id_l, record_id_r, decision from identity.applied_overrides").fetchall()
    assert applied == [(a[0], b[0], "different")]


def test_an_analysts_same_on_a_later_night_makes_two_customers_one(warehouse, tmp_path: Path) -> None:
    con, model, overrides = warehouse
    planted = planted_person_seen_twice().drop(columns=["person_id", "household_id"])
    planted["source_record_id"] = planted["record_id"].str.split(":").str[1]
    con.register("planted_in", planted)
    con.execute("insert into intermediate.int_person_records by name select * from planted_in")
    resolve_warehouse(con, model, overrides, "night-1")
    before = assignment(con)
    ids_a, ids_b = {before[r] for r in PLANTED_A}, {before[r] for r in PLANTED_B}
    assert len(ids_a) == len(ids_b) == 1 and ids_a != ids_b  # two customers, as planted
    # The console records her decision on the end record of the first customer's chain.
    console = tmp_path / "home" / "identity" / "overrides.csv"
    record_override(console, PLANTED_A[0], PLANTED_B[0], "same", "one woman, moved", "console:ana")
    resolve_warehouse(con, model, [*overrides, console], "night-2")
    after = assignment(con)
    (kept,) = {after[r] for r in PLANTED_A + PLANTED_B}
    (gone,) = (ids_a | ids_b) - {kept}
    changes = con.execute(
        "select old_customer_id, new_customer_id, change from identity.id_history where run_id = 'night-2' "
        "and (old_customer_id in (?, ?) or new_customer_id in (?, ?))",
        [kept, gone, kept, gone],
    ).fetchall()
    assert changes == [(gone, kept, "merge")]
