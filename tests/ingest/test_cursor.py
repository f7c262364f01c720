"""No record is lost at the incremental cursor: times are compared as instants, and a time that cannot be one (empty,
not a time, ahead of the source's own clock) is quarantined without moving the cursor."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.pages import Entity, PageLoader
from dlt_sources.common.tables import TIME, column
from simulator import advance_day, running_simulator
from simulator.config import DAY_SECONDS
from simulator.ids import shopify_order_id, square_order_id
from simulator.malformed import CURSOR_DEFECTS, UNUSABLE_CURSOR_DEFECTS
from tests.ingest.helpers import expected_counts, load_all, quarantine_rows, simulated_world, warehouse_counts

# Large enough that simulated day 1 brings Square all four cursor defects (the simulator plants them in creation order).
PEOPLE, SEED = 600, 3
TABLES = {
    ("shopify", "customer"): "customers",
    ("square", "customer"): "customers",
    ("shopify", "order"): "orders",
    ("square", "order"): "orders",
}


def _planted(home: Path) -> list[dict[str, str]]:
    with (home / "simulator" / "malformed.csv").open() as handle:
        return [row for row in csv.DictReader(handle) if row["defect"] in CURSOR_DEFECTS]


def test_a_day_of_bad_modification_times_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    monkeypatch.setenv("CDP_MALFORMED_OPT_IN", "bad_cursor")
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, in_thread=True) as base_url:
        load_all(base_url)
        advance_day(1, home=tmp_path)
        load_all(base_url)
        planted = _planted(tmp_path)
        assert {row["defect"] for row in planted} == set(CURSOR_DEFECTS), planted
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            for row in planted:
                system, record_id, table = (
                    row["source_system"],
                    row["source_record_id"],
                    TABLES[(row["source_system"], row["entity"])],
                )
                quarantined = con.execute(
                    f"select disposition, reason from raw_{system}.quarantine where source_record_id = ?",
                    [record_id],
                ).fetchall()
                loaded = con.execute(f"select count(*) from raw_{system}.{table} where id = ?", [record_id]).fetchall()
                if row["defect"] in UNUSABLE_CURSOR_DEFECTS:
                    assert [d for d, _ in quarantined] == ["rejected"], row
                    assert "updated_at" in quarantined[0][1], quarantined
                    assert loaded == [(0,)], row
                else:
                    # A local time with its daylight-saving offset is a valid time: loaded, not quarantined.
                    assert quarantined == [] and loaded == [(1,)], (row, quarantined)
        advance_day(1, home=tmp_path)
        load_all(base_url)
    expected = expected_counts(tmp_path)
    counts = warehouse_counts(tmp_path / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    assert all(rows == ids for rows, ids in counts.values()), counts
    # What day 2 brought is there, record by record.
    world = simulated_world(tmp_path)
    day_two = {
        ("shopify", "orders"): {
            str(shopify_order_id(o.seq)) for o in world.orders["shopify"] if o.created >= world.now - DAY_SECONDS
        },
        ("square", "orders"): {
            square_order_id(o.seq) for o in world.orders["square"] if o.created >= world.now - DAY_SECONDS
        },
    }
    assert all(day_two.values()), day_two
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for (system, table), ids in day_two.items():
            loaded = {str(i) for (i,) in con.sql(f"select id from raw_{system}.{table}").fetchall()}
            assert ids <= loaded, (system, table, ids - loaded)


class _Clock(SourceClock):
    """The source's clock at a time the test sets."""

    def __init__(self, now: str) -> None:
        super().__init__()
        self._now = datetime.fromisoformat(now)

    def now(self) -> datetime:
        return self._now


_THINGS = Entity("things", (column("id"), column("updated_at", kind=TIME)), cursor="updated_at")


def _loaded_ids(state: dict, page: list[dict]) -> list[str]:
    loader = PageLoader(_THINGS, _Clock("2026-12-01T00:00:00+00:00"), Cursor(state))
    return [i for table in loader.page(page) if isinstance(table, pa.Table) for i in table["id"].to_pylist()]


def test_times_either_side_of_a_daylight_saving_change_compare_as_instants():
    # Warsaw falls back on 2026-10-25: 02:50 summer time (00:50 UTC) comes before 02:10 winter time (01:10 UTC).
    before, after = "2026-10-25T02:50:00+02:00", "2026-10-25T02:10:00+01:00"
    assert max(before, after) == before, "as text the earlier time wins: what a text cursor would keep"
    state: dict = {}
    assert _loaded_ids(state, [{"id": "a", "updated_at": after}, {"id": "b", "updated_at": before}]) == ["a", "b"]
    assert datetime.fromisoformat(state["cursor"]["last"]) == datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    # The next load asks from that instant on: the record loaded at it is not loaded again, a later one is.
    later = {"id": "c", "updated_at": "2026-10-25T03:00:00+01:00"}
    assert _loaded_ids(state, [{"id": "a", "updated_at": after}, later]) == ["c"]
    # A source that cannot filter sends everything again: what is before the cursor is not loaded twice.
    assert _loaded_ids(state, [{"id": "b", "updated_at": before}, later]) == []


def _merged_loads(state: dict, pages: list[list[dict]], merged: dict[str, str]) -> list[str]:
    """One load of `pages` (each screened as one batch) merged into `merged` (id: updated_at) as a merge on the key
    keeps it; the ids it loaded, in order."""
    loader = PageLoader(_THINGS, _Clock("2026-12-01T00:00:00+00:00"), Cursor(state))
    loaded = []
    for page in pages:
        for table in loader.page(page):
            if isinstance(table, pa.Table) and "id" in table.column_names:
                for row in table.select(["id", "updated_at"]).to_pylist():
                    loaded.append(row["id"])
                    merged[row["id"]] = row["updated_at"]
    return loaded


def _at(minute: int) -> datetime:
    return datetime(2026, 11, 30, 10, minute, tzinfo=UTC)


def _sent_since(state: dict, records: list[dict]) -> list[dict]:
    """What a source sends a load: its records modified at or after the cursor the load asks from, oldest first."""
    start = Cursor(state).start
    sent = [r for r in records if start is None or datetime.fromisoformat(r["updated_at"]) >= start]
    return sorted(sent, key=lambda r: datetime.fromisoformat(r["updated_at"]))


def test_a_record_edited_while_its_listing_is_read_reaches_the_warehouse_in_its_latest_version():
    # The source's records as they are once the first load has read them: "a" was edited at 10:20 while its listing,
    # sorted by modification time, was paged, so the load met it twice, as it was at 10:00 and as it is now.
    source = {"a": _at(20), "b": _at(5), "c": _at(10), "d": _at(30)}

    def listed(state: dict) -> list[dict]:
        return _sent_since(state, [{"id": i, "updated_at": t.isoformat()} for i, t in source.items()])

    def version(minute: int, key: str) -> dict:
        return {"id": key, "updated_at": _at(minute).isoformat()}

    # Met twice in two batches of one load.
    state: dict = {}
    merged: dict[str, datetime] = {}
    first = _merged_loads(state, [[version(0, "a"), version(5, "b")], [version(10, "c"), *listed({})[2:]]], merged)
    assert sorted(first) == ["a", "b", "c", "d"], "each record once in a load: dlt does not deduplicate the merge"
    _merged_loads(state, [listed(state)], merged)
    assert merged == source, "the warehouse holds each record as the source holds it once the next load ran"

    # Met twice in one batch: the load keeps the later version.
    state, merged = {}, {}
    assert sorted(_merged_loads(state, [[version(0, "a"), *listed({})]], merged)) == ["a", "b", "c", "d"]
    assert merged == source


def test_a_later_version_rejected_after_the_earlier_one_was_loaded_is_quarantined_by_the_next_load():
    # "a" was edited into a bad state (its creation time erased) while its listing was paged: the load met the good
    # version first, and the bad one in a later batch, after the good one was loaded.
    things = Entity(
        "things",
        (column("id"), column("updated_at", kind=TIME), column("created_at", kind=TIME)),
        cursor="updated_at",
        required_times=("created_at",),
    )
    created = _at(0).isoformat()
    source = {
        "a": {"id": "a", "updated_at": _at(20).isoformat(), "created_at": None},
        "b": {"id": "b", "updated_at": _at(5).isoformat(), "created_at": created},
        "c": {"id": "c", "updated_at": _at(30).isoformat(), "created_at": created},
    }
    first_page = [{"id": "a", "updated_at": _at(0).isoformat(), "created_at": created}, source["b"]]
    state: dict = {}

    def load(pages: list[list[dict]]) -> list[dict]:
        loader = PageLoader(things, _Clock("2026-12-01T00:00:00+00:00"), Cursor(state))
        return quarantine_rows(item for page in pages for item in loader.page(page))

    quarantined = load([first_page, [source["a"], source["c"]]])
    quarantined += load([_sent_since(state, list(source.values()))])
    found = [{key: row[key] for key in ("source_record_id", "disposition")} for row in quarantined]
    assert found == [{"source_record_id": "a", "disposition": "rejected"}]
