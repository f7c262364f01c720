"""The Spark engine's raw tables: every source loaded over two days both into DuckDB (dlt's merge) and as parquet files
landed for Spark; each raw table Spark reads equals DuckDB's, row for row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dlt_sources.connections import FILE_SOURCES, Connection
from dlt_sources.pipelines import LOADER_FILE_FORMAT, SOURCES, LandedTable, landed_tables, make_pipeline, make_source
from simulator import advance_day, running_simulator, web_landing_dir
from warehouse import pipelines_dir, warehouse_path
from warehouse.landing import LOAD_ID, landing_dir, register

pytestmark = pytest.mark.spark

PEOPLE, SEED = 150, 5


def _load(source: str, base_url: str, landing: Path | None, pipelines: Path) -> list[LandedTable]:
    pipeline = make_pipeline(source, warehouse_path(), pipelines, landing=landing)
    location = str(web_landing_dir()) if source in FILE_SOURCES else base_url
    pipeline.run(
        make_source(Connection(source, location, "test-token", simulated=True)), loader_file_format=LOADER_FILE_FORMAT
    )
    return landed_tables(pipeline)


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[LandedTable]]]:
    """Two days of every source, each day loaded into the DuckDB warehouse and landed for Spark (each with its own
    pipeline state, so both ask the simulator the same questions)."""
    home = tmp_path_factory.mktemp("spark_landing")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CDP_HOME", str(home))
        with running_simulator(home=home, people=PEOPLE, seed=SEED, in_thread=True) as base_url:
            tables: dict[tuple[str, str], LandedTable] = {}
            for day in range(2):
                if day:
                    advance_day(1, home=home)
                for source in SOURCES:
                    _load(source, base_url, None, pipelines_dir())
                    for table in _load(source, base_url, landing_dir(), home / "landing_pipelines"):
                        tables[(table.dataset, table.name)] = table
            yield home, list(tables.values())


@pytest.fixture(scope="module")
def spark(landed: tuple[Path, list[LandedTable]]) -> Iterator[object]:
    from warehouse.spark import session

    home, _ = landed
    spark = session(home)
    yield spark
    spark.stop()


def _rows_as_text(relation: str, columns: dict[str, str]) -> str:
    """Every column as text; times as the instants they are (Spark writes its UTC times without a time zone)."""
    return (
        "select "
        + ", ".join(
            f'cast(cast("{c}" as timestamptz) as varchar)' if t.startswith("TIMESTAMP") else f'cast("{c}" as varchar)'
            for c, t in columns.items()
        )
        + f" from {relation}"
    )


def test_every_raw_table_spark_reads_equals_the_merged_duckdb_table(landed, spark, tmp_path: Path) -> None:
    home, tables = landed
    assert {t.dataset for t in tables} == {f"raw_{s}" for s in SOURCES}
    compared, children = 0, 0
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in tables:
            assert register(spark, landing_dir(home), table.dataset, table.name, table.primary_key, table.merge_key)
            out = tmp_path / table.dataset / table.name
            spark.table(f"`{table.dataset}`.`{table.name}`").write.parquet(str(out))
            merged = f'"{table.dataset}"."{table.name}"'
            landed_rows = f"read_parquet('{out}/*.parquet')"
            duck_columns = dict(r[:2] for r in con.execute(f"describe {merged}").fetchall())
            spark_columns = [r[0] for r in con.execute(f"describe select * from {landed_rows}").fetchall()]
            assert set(duck_columns) == set(spark_columns), table
            # The loaders derive a record's `_dlt_id` from its key (children name their parent by it); dlt makes up the
            # quarantine's, a row key of its own that differs between any two loads.
            ignored = {LOAD_ID, "_dlt_id"} if table.name == "quarantine" else {LOAD_ID}
            columns = {c: t for c, t in duck_columns.items() if c not in ignored}
            for left, right in ((merged, landed_rows), (landed_rows, merged)):
                (extra,) = con.execute(
                    f"select count(*) from ({_rows_as_text(left, columns)} except all {_rows_as_text(right, columns)})"
                ).fetchone()
                assert extra == 0, (table, left)
            (rows,) = con.execute(f"select count(*) from {merged}").fetchone()
            compared += rows
            children += bool(table.merge_key) and rows > 0
    assert compared > 10_000 and children >= 5, (compared, children)


def test_a_parent_loaded_again_replaces_its_children_and_a_record_its_row(spark, tmp_path: Path) -> None:
    """Planted files of two loads: the second sends order `o1` again with one of its two line items and a changed
    total, and a new order `o2`. What Spark reads is what dlt's merge leaves: `o1` as sent last, only the line item
    sent with it, `o2`'s line, and the untouched order `o0` with its line."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = tmp_path / "landing"
    loads = {
        "1.0": {
            "orders": [("o0", 10, "o0"), ("o1", 50, "o1")],
            "orders__line_items": [("l0", "o0", 0), ("l1", "o1", 0), ("l2", "o1", 1)],
        },
        "2.0": {
            "orders": [("o1", 30, "o1"), ("o2", 70, "o2")],
            "orders__line_items": [("l1", "o1", 0), ("l3", "o2", 0)],
        },
    }
    for load_id, files in loads.items():
        for name, rows in files.items():
            folder = landing / "raw_planted" / name
            folder.mkdir(parents=True, exist_ok=True)
            columns = ("id", "total", "_dlt_id") if name == "orders" else ("_dlt_id", "_dlt_parent_id", "_dlt_list_idx")
            data = {c: [r[i] for r in rows] for i, c in enumerate(columns)} | {LOAD_ID: [load_id] * len(rows)}
            pq.write_table(pa.table(data), folder / f"{load_id}.x.parquet")
    register(spark, landing, "raw_planted", "orders", ("id",))
    register(spark, landing, "raw_planted", "orders__line_items", ("_dlt_id",), ("_dlt_parent_id",))
    orders = {r["id"]: r["total"] for r in spark.sql("select * from raw_planted.orders").collect()}
    lines = {r["_dlt_id"] for r in spark.sql("select * from raw_planted.orders__line_items").collect()}
    assert orders == {"o0": 10, "o1": 30, "o2": 70}
    assert lines == {"l0", "l1", "l3"}
