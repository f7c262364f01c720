"""A night killed anywhere (SIGKILL, the whole process group, as a power cut) and run again ends whole: no record
twice wherever a key exists, none lost, and the quarantine holds each of the simulator's malformed records once.

Kill points: between the warehouse's commit of an append-mode load (email events, quarantine) and dlt's record of
the job, midway through dbt, after identity resolution saved, after segments applied, midway through publishing the
analytics copy (kill_at.py). They share the session's first night (tests/conftest.py); each kills the next night on
a copy of it, except the quarantine's, which kills a first night: only a first night surely quarantines something.

`make test-scenarios` kills one night at two representative points in a row (recovering from the first inside the
second night) before the clean rerun: three nights for two points. `make test-kill-matrix` (CDP_KILL_MATRIX=1) runs
every point on its own night.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from simulator import SimState, advance_day, generate
from simulator.ids import email_event_id
from tests.conftest import REPO_ROOT, cdp_environment, run_night
from tests.ingest.helpers import expected_counts, warehouse_counts
from tests.orchestration.kill_at import POINTS

pytestmark = pytest.mark.long_scenario  # `make test-scenarios`, not `make test`

# The first and the last stage of a night: an append-mode load, and the analysts' copy.
REPRESENTATIVE = ("email_events_committed", "publish_midway")
ON_A_FIRST_NIGHT = ("quarantine_committed",)
FULL_MATRIX = os.environ.get("CDP_KILL_MATRIX") == "1"
# Tables whose old rows retention deletes: compared with the simulator's recent records only.
RETAINED = ("raw_hubspot.email_events", "raw_shopify.checkouts")
RECENT_DAYS = 300  # well inside every retention window (privacy/retention.yml)
KEYED = {
    "marts.customer_360": "customer_id",
    "marts.customer_id_map": "source_system, source_record_id",
    "marts.fct_orders": "order_id",
    "marts.fct_order_lines": "order_line_id",
    "marts.fct_customer_events": "event_id",
    "marts.segment_membership": "segment, customer_id",
    "identity.customer_assignments": "record_id",
    "identity.resolution_runs": "run_id",
}


@pytest.fixture(scope="module")
def second_day(home_copy: Path) -> Path:
    """The session's home after its first night, the simulator one day on: the next night has new records to load."""
    advance_day(1, home=home_copy)
    return home_copy


def kill_and_rerun(base: Path | None, points: tuple[str, ...], home: Path) -> None:
    """Kills nights into a copy of `base` (a new home when None), one at each of `points` in turn, then runs the night
    again."""
    if base is None:
        home.mkdir()
    else:
        shutil.copytree(base, home)
    env = {**os.environ, **cdp_environment(home)}
    env.pop("DAGSTER_HOME", None)
    for point in points:
        killed = subprocess.run(
            [sys.executable, "-m", "tests.orchestration.kill_at", point],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            start_new_session=True,
        )
        assert killed.returncode == -signal.SIGKILL, f"{point} was not reached:\n{killed.stderr[-3000:]}"
    run_night(home)


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every raw root table with an `id` (dlt's own, nested and staging tables aside)."""
    rows = con.sql(
        """select table_schema || '.' || table_name from information_schema.columns
           where column_name = 'id' and table_schema like 'raw\\_%' escape '\\'
             and table_schema not like '%\\_staging' escape '\\' and table_name not like '\\_dlt%' escape '\\'
             and table_name not like '%\\_\\_%' escape '\\'"""
    ).fetchall()
    return sorted(table for (table,) in rows)


def assert_no_record_twice(home: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        keyed = {table: "id" for table in raw_tables(con)} | KEYED
        twice = {
            table: counts
            for table, key in keyed.items()
            if (counts := con.sql(f"select count(*), count(distinct ({key})) from {table}").fetchall()[0])[0]
            != counts[1]
        }
        open_stays = con.sql(
            """select count(*), count(distinct (segment, customer_id)) from marts.segment_history
               where exited_at is null"""
        ).fetchall()[0]
    assert not twice, f"(rows, distinct keys) of tables holding a record twice: {twice}"
    assert open_stays[0] == open_stays[1], f"a customer is in a segment twice: {open_stays}"


def assert_nothing_lost(home: Path) -> None:
    expected = {t: n for t, n in expected_counts(home).items() if t not in RETAINED}
    counts = warehouse_counts(home / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    state = SimState(**json.loads((home / "simulator" / "state.json").read_text()))
    world = generate(state)
    since_ms = (world.now - RECENT_DAYS * 86_400) * 1000
    recent = {email_event_id(e.seq) for e in world.email_events if e.created_ms >= since_ms}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        loaded = {str(i) for (i,) in con.sql("select id from raw_hubspot.email_events").fetchall()}
        published = con.sql("select count(*) from marts.customer_360").fetchall()[0][0]
    assert recent and recent <= loaded, f"{len(recent - loaded)} recent email events lost"
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as analytics:
        assert analytics.sql("select count(*) from marts.customer_360").fetchall()[0][0] == published


def assert_quarantine_holds_each_malformed_record_once(home: Path) -> None:
    with (home / "simulator" / "malformed.csv").open() as handle:
        malformed = {
            (row["source_system"], row["source_record_id"])
            for row in csv.DictReader(handle)
            if row["defect"] != "unknown_field"  # absorbed as a new column, not a bad record
        }
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.sql("select table_schema from information_schema.tables where table_name = 'quarantine'")
        schemas = [schema for (schema,) in tables.fetchall()]
        rows = [
            (schema.removeprefix("raw_"), entity, record_id, reason)
            for schema in schemas
            if schema.startswith("raw_") and not schema.endswith("_staging")
            for entity, record_id, reason in con.sql(
                f"select entity, source_record_id, reason from {schema}.quarantine"
            ).fetchall()
        ]
    assert len(rows) == len(set(rows)), "the quarantine holds a record's defect twice"
    quarantined = {(source, record_id) for source, _, record_id, _ in rows}
    assert malformed and malformed <= quarantined, malformed - quarantined


def assert_whole(home: Path) -> None:
    assert_no_record_twice(home)
    assert_quarantine_holds_each_malformed_record_once(home)
    assert_nothing_lost(home)


def test_nights_killed_at_representative_points_end_whole_when_run_again(second_day: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    kill_and_rerun(second_day, REPRESENTATIVE, home)
    assert_whole(home)


@pytest.mark.skipif(not FULL_MATRIX, reason="the full kill matrix runs with make test-kill-matrix")
@pytest.mark.parametrize("point", list(POINTS))
def test_a_night_killed_at_a_point_ends_whole_when_run_again(second_day: Path, point: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    kill_and_rerun(None if point in ON_A_FIRST_NIGHT else second_day, (point,), home)
    assert_whole(home)
