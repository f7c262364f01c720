"""Connections to the warehouse file, and the one way to run statements as a single transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.paths import warehouse_path


def connect(read_only: bool = False, path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse (`$CDP_HOME/warehouse.duckdb` unless `path` is given).

    DuckDB lets one process write a file or several read it, never both: readers ask for `read_only`.
    """
    return quiet(duckdb.connect(str(path or warehouse_path()), read_only=read_only))


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con` without DuckDB's progress bar, which the Python client draws on stdout for any query over two seconds
    (into `cdp run`'s own progress lines at 100,000 customers). A setting of the connection, not of the database: a
    file's second connection may not differ from its first in the database's configuration."""
    con.execute("set enable_progress_bar = false")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything in the block commits together, or nothing does (the error is raised again after the rollback)."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: object) -> Iterator[duckdb.DuckDBPyConnection]:
    """Data frames visible to SQL on `con` under the given names for the block, and gone after it."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield con
    finally:
        for name in frames:
            con.unregister(name)
