"""The sources' clock the CDP counts time by: one wrong `Date` header among the sources cannot move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from warehouse.loads import record_source_clock

NIGHT = datetime(2026, 6, 1, 2, tzinfo=UTC)


def clock(con: duckdb.DuckDBPyConnection) -> datetime:
    return con.sql("select observed_at from meta.sources_clock").fetchall()[0][0]


def test_one_source_jumping_ahead_is_outvoted() -> None:
    con = duckdb.connect()
    record_source_clock(con, "shopify", NIGHT, "r1")
    record_source_clock(con, "square", NIGHT + timedelta(seconds=3), "r1")
    record_source_clock(con, "hubspot", datetime(2999, 1, 1, tzinfo=UTC), "r1")
    assert clock(con) == NIGHT + timedelta(seconds=3)


def test_the_clock_moves_on_when_most_sources_do() -> None:
    con = duckdb.connect()
    for source in ("shopify", "square", "hubspot"):
        record_source_clock(con, source, NIGHT, "r1")
    record_source_clock(con, "shopify", NIGHT + timedelta(days=1), "r2")
    assert clock(con) == NIGHT
    record_source_clock(con, "square", NIGHT + timedelta(days=1), "r2")
    assert clock(con) == NIGHT + timedelta(days=1)
