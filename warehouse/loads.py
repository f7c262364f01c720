"""What each night's loads tell the rest of the warehouse: the sources' own clock, and the rows each load brought
and quarantined (`meta.source_loads`: the watchdog's baseline, the console's view of last night)."""

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


def record_load(
    con: duckdb.DuckDBPyConnection, source: str, run_id: str, rows_loaded: int, rows_quarantined: int
) -> None:
    """Keeps what this run's load of `source` brought and quarantined (`meta.source_loads`)."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.source_loads "
        "(source_system varchar, run_id varchar, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamptz)"
    )
    con.execute(
        "insert into meta.source_loads values (?, ?, ?, ?, now())", [source, run_id, rows_loaded, rows_quarantined]
    )


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
