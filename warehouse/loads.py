"""What each night's loads tell the rest of the warehouse: the sources' own clock, the rows they quarantined, and
how many rows each load brought (`meta.loads`, for the console's view of last night)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from warehouse.catalog import has_table, quote


def record_source_clock(con: duckdb.DuckDBPyConnection, source: str, observed_at: datetime, run_id: str) -> None:
    """Keeps the source's own time of this run; the models compute recency and lifecycle as of it (CONTRACT §4)."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.source_clock "
        "(source_system varchar, observed_at timestamptz, run_id varchar, recorded_at timestamptz)"
    )
    con.execute("insert into meta.source_clock values (?, ?, ?, now())", [source, observed_at, run_id])


def quarantined_in_load(con: duckdb.DuckDBPyConnection, schema: str, table: str, load_ids: list[str]) -> dict[str, int]:
    """Rows the loads `load_ids` put in the quarantine table `schema.table`, per entity."""
    if not load_ids or not has_table(con, schema, table):
        return {}
    rows = con.execute(
        f"select entity, count(*) from {quote(schema)}.{quote(table)} "
        f"where _dlt_load_id in (select unnest(?)) group by entity",
        [load_ids],
    ).fetchall()
    return dict(rows)


def record_load(con: duckdb.DuckDBPyConnection, source: str, run_id: str, rows_loaded: int, quarantined: int) -> None:
    """One row of `meta.loads` per source and run: rows loaded and quarantined, for whoever reports on the nights."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.loads (source_system varchar, run_id varchar, rows_loaded bigint, "
        "rows_quarantined bigint, loaded_at timestamptz)"
    )
    con.execute("insert into meta.loads values (?, ?, ?, ?, now())", [source, run_id, rows_loaded, quarantined])
