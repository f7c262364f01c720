"""What each night's loads tell the rest of the warehouse: the sources' own clock, and the rows each load brought
and quarantined (`meta.source_loads`: the watchdog's baseline, the console's view of last night)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from warehouse.catalog import has_table, quote

# The sources' clock the CDP counts time by (the run's as-of time, retention windows): the lower median of each
# source's latest observation. One wrong `Date` header must not move it: with three sources a single one jumping
# ahead is outvoted. A median over the sources rather than over one source's past nights, because the clock may move
# on by days between two nights legitimately (a simulated clock, a night that did not run), while the sources of one
# installation share the same time. With one source nothing outvotes it.
SOURCES_CLOCK = """
create or replace view meta.sources_clock as
with latest as (
    select source_system, arg_max(observed_at, recorded_at) as observed_at, arg_max(run_id, recorded_at) as run_id,
           max(recorded_at) as recorded_at
    from meta.source_clock
    where observed_at is not null
    group by source_system
),
ordered as (
    select list(observed_at order by observed_at) as clocks, arg_max(run_id, recorded_at) as run_id from latest
)
select run_id, clocks[(len(clocks) - 1) // 2 + 1] as observed_at from ordered where len(clocks) > 0
"""


def record_source_clock(con: duckdb.DuckDBPyConnection, source: str, observed_at: datetime, run_id: str) -> None:
    """Keeps the source's own time of this run, and the view `meta.sources_clock` of the time the CDP counts by."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.source_clock "
        "(source_system varchar, observed_at timestamptz, run_id varchar, recorded_at timestamptz)"
    )
    con.execute("insert into meta.source_clock values (?, ?, ?, now())", [source, observed_at, run_id])
    con.execute(SOURCES_CLOCK)


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


def quarantined_in_load(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, load_ids: list[str], landed: str | None = None
) -> dict[str, int]:
    """Rows the loads `load_ids` put in the quarantine table `schema.table`, per entity; `landed`: the relation of
    the table's landed files instead (the Spark engine's, warehouse/landing.py `landed_files`)."""
    if not load_ids or not (landed or has_table(con, schema, table)):
        return {}
    rows = con.execute(
        f"select entity, count(*) from {landed or f'{quote(schema)}.{quote(table)}'} "
        f"where _dlt_load_id in (select unnest(?)) group by entity",
        [load_ids],
    ).fetchall()
    return dict(rows)
