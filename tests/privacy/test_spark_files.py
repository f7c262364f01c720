"""Forget and retention on a Spark home's parquet files (no JVM: the files are read back with DuckDB).

A forget leaves the person in no file under the home, keeps everyone else's rows as they were, and does not touch a
file that never held them; a forget stopped anywhere ends, run again, as one that ran through. Retention deletes the
landed rows past their window with the rows nested under them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from privacy.classification import Classification
from privacy.forget import KILL_AT_SETTING, forget
from privacy.retention import apply_retention
from privacy.spark_home import apply_retention_landed, finish_stopped_rewrites
from tests.privacy.planted_spark import (
    ANN,
    ANN_EMAIL,
    ANN_NAME,
    ANN_PHONE,
    ANN_SHOPIFY,
    ANN_WORK_EMAIL,
    BOB_SHOPIFY,
    FILES,
    SPARK_VIEWS,
    SparkHome,
    plant_spark_home,
    write_parquet,
)
from warehouse import REPO_ROOT
from warehouse.catalog import tables


@pytest.fixture
def spark_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SparkHome:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CDP_HOME", str(home))
    monkeypatch.setenv("CDP_ENGINE", "spark")
    return plant_spark_home(home)


def _rows(path: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute("select * from read_parquet(?)", [str(path)]).fetchall()


def _types(path: Path) -> list[tuple[str, str]]:
    with duckdb.connect() as con:
        return [r[:2] for r in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]


def _holds_ann(value: object) -> bool:
    text = str(value).lower()
    national = re.sub(r"\D", "", ANN_PHONE)[2:]
    digits = re.sub(r"\D", "", text)
    return any(n in text for n in (ANN_EMAIL, ANN_WORK_EMAIL, ANN_NAME.lower(), ANN_SHOPIFY)) or (
        len(digits) <= 13 and digits.endswith(national)
    )


def _places_holding_ann(home: Path) -> set[str]:
    """Every file under the home holding one of Ann's values: parquet files read row by row, the warehouse's tables
    read likewise, any other file as its bytes."""
    found = set()
    for path in (p for p in home.rglob("*") if p.is_file()):
        relative = path.relative_to(home).as_posix()
        if path.suffix == ".parquet" and not path.name.startswith("."):
            values = [v for row in _rows(path) for v in row]
        elif path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                values = [v for t in tables(con) for row in con.sql(f"select * from {t.ref}").fetchall() for v in row]
        else:
            values = [path.read_bytes().decode("utf-8", "replace")]
        if any(_holds_ann(v) for v in values):
            found.add(relative)
    return found


def _forget_ann() -> None:
    result = forget("email", ANN_EMAIL.upper(), "dpo@example.com", Classification())
    assert (result.customers, result.records) == (1, 2), result.lines()


def test_a_forget_leaves_the_person_in_no_file_of_the_spark_home(spark_home: SparkHome) -> None:
    # Her order's line item and her tier name only her order and customer ID: the next test follows them.
    holding_before = {p for p, (_, rows) in FILES.items() if any(map(_holds_ann, (v for _, vs in rows for v in vs)))}
    assert _places_holding_ann(spark_home.home) == holding_before | {"warehouse.duckdb"}
    _forget_ann()
    assert _places_holding_ann(spark_home.home) == set()


def test_everyone_else_is_kept_as_they_were_and_a_file_without_the_person_is_not_rewritten(
    spark_home: SparkHome,
) -> None:
    before = {f.path: (_rows(f.path), _types(f.path), f.path.stat()) for f in spark_home.files}
    _forget_ann()
    for planted in spark_home.files:
        rows, types, stat = before[planted.path]
        kept = [row for (owner, _), row in zip(planted.rows, rows, strict=True) if owner != ANN]
        if kept == rows:
            assert (planted.path.stat().st_ino, planted.path.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
        elif kept or "vip_customers" in planted.path.parts:
            # A table's last file stays (Ann's vip_customers), empty, for its readers to find its columns.
            assert (_rows(planted.path), _types(planted.path)) == (kept, types), planted.path
        else:
            assert not planted.path.exists(), planted.path
    leftovers = [p.name for p in spark_home.home.rglob(".*") if p.is_file()]
    assert leftovers == [], "no staged file, and no checksum of a file rewritten"
    with duckdb.connect(str(spark_home.home / "warehouse.duckdb"), read_only=True) as con:
        views = {(t.schema, t.name) for t in tables(con) if t.is_view}
        assert views == set(SPARK_VIEWS)
        assert con.sql("select customer_id from marts.customer_360").fetchall() == [("C-BOB",)]
        assert con.sql("select count(*) from marts.vip_customers").fetchall() == [(0,)]


def _forget_in_a_process_killed_at(home: Path, phase: str) -> None:
    code = (
        "from privacy.classification import Classification; from privacy.forget import forget; "
        f"forget('email', {ANN_EMAIL!r}, 'dpo@example.com', Classification())"
    )
    env = {**os.environ, "CDP_HOME": str(home), "CDP_ENGINE": "spark", KILL_AT_SETTING: phase}
    killed = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr[-3000:]


@pytest.mark.parametrize("phase", ["parquet_files_staged", "warehouse_swapped"])
def test_a_forget_stopped_anywhere_ends_run_again_as_one_that_ran_through(spark_home: SparkHome, phase: str) -> None:
    home = spark_home.home
    _forget_in_a_process_killed_at(home, phase)
    landed = home / "spark/landing/raw_shopify/customers/1.0.aa.parquet"
    # Stopped before or after the swap, the files are as they were: their rewrites wait to be put in place.
    assert any(_holds_ann(v) for row in _rows(landed) for v in row)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assigned = con.sql("select record_id from identity.customer_assignments where customer_id = 'C-ANN'").fetchall()
    assert len(assigned) == (2 if phase == "parquet_files_staged" else 0)
    result = forget("email", ANN_EMAIL, "dpo@example.com", Classification())
    assert result.records == (2 if phase == "parquet_files_staged" else 0)
    assert _places_holding_ann(home) == set()
    assert [p.name for p in home.rglob(".*.pending")] == []
    assert [r[0] for r in _rows(landed)] == [BOB_SHOPIFY]


def test_the_night_completes_a_forget_stopped_after_its_swap_before_spark_reads_the_files(
    spark_home: SparkHome,
) -> None:
    _forget_in_a_process_killed_at(spark_home.home, "warehouse_swapped")
    assert _places_holding_ann(spark_home.home) != set()
    with duckdb.connect(str(spark_home.home / "warehouse.duckdb")) as con:
        assert finish_stopped_rewrites(con, spark_home.home) > 0
    assert _places_holding_ann(spark_home.home) == set()


def _email_event(event_id: str, created: datetime, load: str) -> tuple:
    return event_id, int(created.timestamp() * 1000), load, f"e-{event_id}"


def test_retention_deletes_landed_rows_past_their_window_with_their_nested_rows(spark_home: SparkHome) -> None:
    """The sources' clock is 2026-12-01: email events are kept 730 days, abandoned checkouts 365."""
    landing = spark_home.home / "spark/landing"
    old, recent = datetime(2024, 11, 1, tzinfo=UTC), datetime(2025, 12, 30, tzinfo=UTC)
    events = "id varchar, created bigint, _dlt_load_id varchar, _dlt_id varchar"
    write_parquet(landing / "raw_hubspot/email_events/1.0.a.parquet", events,
                  [_email_event("e1", old, "1.0"), _email_event("e2", recent, "1.0")])  # fmt: skip
    recent_only = landing / "raw_hubspot/email_events/2.0.b.parquet"
    write_parquet(recent_only, events, [_email_event("e3", recent, "2.0")])
    write_parquet(landing / "raw_shopify/checkouts/1.0.c.parquet",
                  "id varchar, created_at timestamptz, _dlt_load_id varchar, _dlt_id varchar",
                  [("k1", old, "1.0", "d-k1"), ("k2", recent, "1.0", "d-k2")])  # fmt: skip
    write_parquet(landing / "raw_shopify/checkouts__line_items/1.0.d.parquet",
                  "title varchar, _dlt_parent_id varchar, _dlt_load_id varchar, _dlt_id varchar",
                  [("Teapot", "d-k1", "1.0", "d-kl1"), ("Cup", "d-k2", "1.0", "d-kl2")])  # fmt: skip
    untouched = recent_only.stat()
    with duckdb.connect(str(spark_home.home / "warehouse.duckdb")) as con:
        deleted = apply_retention_landed(con, landing)
    assert {k: v for k, v in deleted.items() if v} == {
        "raw_hubspot.email_events": 1, "raw_shopify.checkouts": 1, "raw_shopify.checkouts__line_items": 1
    }  # fmt: skip
    assert [r[0] for r in _rows(landing / "raw_hubspot/email_events/1.0.a.parquet")] == ["e2"]
    assert [r[0] for r in _rows(landing / "raw_shopify/checkouts/1.0.c.parquet")] == ["k2"]
    assert [r[0] for r in _rows(landing / "raw_shopify/checkouts__line_items/1.0.d.parquet")] == ["Cup"]
    assert (recent_only.stat().st_ino, recent_only.stat().st_mtime_ns) == (untouched.st_ino, untouched.st_mtime_ns)


def test_the_warehouse_retention_leaves_a_spark_homes_views_to_dbt(spark_home: SparkHome) -> None:
    """The timeline is a view over Spark's table there, which dbt builds anew from the landed files each night."""
    timeline = spark_home.file("spark/warehouse/marts.db/fct_customer_events/part-00000-x.snappy.parquet").path
    written = timeline.stat().st_mtime_ns
    with duckdb.connect(str(spark_home.home / "warehouse.duckdb")) as con:
        assert apply_retention(con) == {}
        assert con.sql("select count(*) from marts.fct_customer_events").fetchall() == [(2,)]
    assert timeline.stat().st_mtime_ns == written
