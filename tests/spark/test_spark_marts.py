"""The dbt project on Spark (`CDP_ENGINE=spark`, CONTRACT §8) gives the marts DuckDB gives from the same raw data.

`make test-spark` runs it (marker `spark`, left out of `make test`): a local Spark (`local[2]`) builds every model from
the session's night's source tables, copied to parquet, and customer_360, fct_orders and every segment's members
must equal DuckDB's row for row, money to the cent and timestamps to the second.

Only dbt is compared here: every source, the identity step's tables and the predictions included, is DuckDB's,
copied, so any difference is the two adapters' SQL. test_spark_night.py compares a whole night on each engine.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import REPO_ROOT, cdp_environment

pytestmark = pytest.mark.spark

# A table and the columns that identify its rows.
COMPARED = {"customer_360": ("customer_id",), "fct_orders": ("order_id",)}


@pytest.fixture(scope="module")
def spark_build(home_copy: Path) -> tuple[Path, float]:
    """dbt built on Spark into a copy of the session's home (as `python -m cdp_orchestration.transform.spark` does),
    with how long it took."""
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java: make java installs openjdk-17-jre-headless")
    env = {**os.environ, **cdp_environment(home_copy), "CDP_ENGINE": "spark"}
    started = time.monotonic()
    build = subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.transform.spark"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert build.returncode == 0, f"dbt build on Spark failed:\n{build.stdout[-6000:]}\n{build.stderr[-3000:]}"
    return home_copy, time.monotonic() - started


def spark_table(home: Path, schema: str, table: str) -> str:
    """A table dbt built on Spark, as DuckDB reads its parquet files (the Hive layout of Spark's warehouse folder)."""
    folder = home / "spark" / "warehouse" / f"{schema}.db" / table
    assert folder.is_dir(), f"Spark has no {schema}.{table} ({folder})"
    return f"read_parquet('{folder}/*.parquet')"


def comparable(value: Any) -> Any:
    """A value as both engines must agree on it: numbers to the cent, timestamps in UTC to the second, lists as
    tuples, NULLs (and NaN) as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | str | dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, float | decimal.Decimal):
        return round(float(value), 2) + 0.0  # + 0.0: -0.0 is 0.0
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, list | tuple):
        return tuple(comparable(item) for item in value)
    return value


def same(duck: object, spark: object) -> bool:
    """Equal as both engines must give it: money (any fractional number) to the cent — the two sum doubles in other
    orders, so 2423.2249999999995 and 2423.2250000000004 are the same amount, though rounded they are a cent apart —
    and times to the second; NULL and NaN alike."""
    if comparable(duck) is None or comparable(spark) is None:
        return comparable(duck) is None and comparable(spark) is None
    if isinstance(duck, float | decimal.Decimal) and isinstance(spark, float | decimal.Decimal):
        return abs(float(duck) - float(spark)) < 0.005
    if isinstance(duck, list | tuple) and isinstance(spark, list | tuple):
        return len(duck) == len(spark) and all(same(d, s) for d, s in zip(duck, spark, strict=True))
    return comparable(duck) == comparable(spark)


def rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], key: tuple[str, ...]) -> list[tuple]:
    # Timestamps through the same UTC view on both sides (DuckDB's timestamptz and Spark's UTC-adjusted parquet).
    query = f"select {', '.join(columns)} from {relation} order by {', '.join(key)}"
    return con.execute(query).fetchall()


def test_marts_equal_duckdbs_row_for_row(spark_build: tuple[Path, float]) -> None:
    home, seconds = spark_build
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    for table, key in COMPARED.items():
        columns = [name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position", [table],
        ).fetchall()]  # fmt: skip
        on_spark = spark_table(home, "marts", table)
        spark_columns = [name for name, *_ in con.execute(f"describe select * from {on_spark}").fetchall()]
        assert spark_columns == columns, f"marts.{table}: Spark's columns differ from DuckDB's"
        duck, spark = rows(con, f"marts.{table}", columns, key), rows(con, on_spark, columns, key)
        assert len(spark) == len(duck) > 0, f"marts.{table}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
        differing = [
            {column: (d, s) for column, d, s in zip(columns, duck_row, spark_row, strict=True) if not same(d, s)}
            for duck_row, spark_row in zip(duck, spark, strict=True)
        ]
        differing = [row for row in differing if row]
        assert not differing, f"marts.{table}: {len(differing)} rows differ, e.g. (DuckDB, Spark): {differing[:3]}"
    print(f"dbt build on Spark (local[2]) with its source copy: {seconds:.0f} s")


def test_segment_members_equal_duckdbs(spark_build: tuple[Path, float]) -> None:
    home, _ = spark_build
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    segments = [name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "and table_name like 'seg\\_%' escape '\\' order by table_name"
    ).fetchall()]  # fmt: skip
    assert len(segments) >= 10
    for segment in segments:
        duck = con.execute(f"select customer_id from marts.{segment} order by 1").fetchall()
        spark = con.execute(f"select customer_id from {spark_table(home, 'marts', segment)} order by 1").fetchall()
        assert spark == duck, f"{segment}: {len(spark)} members on Spark, {len(duck)} on DuckDB"
    assert sum(len(con.execute(f"select 1 from marts.{s}").fetchall()) for s in segments) > 0


def test_the_models_unit_tests_pass_on_spark(spark_build: tuple[Path, float]) -> None:
    """The rules the unit tests pin (survivorship, RFM, consent, …) hold on Spark's SQL too, not only DuckDB's."""
    home, _ = spark_build
    env = {**os.environ, **cdp_environment(home), "CDP_ENGINE": "spark"}
    unit = subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.transform.spark", "test", "--select", "test_type:unit"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert unit.returncode == 0, f"dbt unit tests on Spark failed:\n{unit.stdout[-6000:]}\n{unit.stderr[-3000:]}"
