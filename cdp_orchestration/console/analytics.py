"""The published analytics copy (`$CDP_HOME/analytics.duckdb`), read-only, while the night writes the warehouse.

The night and `cdp forget` replace the copy by renaming a new file over it. Each snapshot is the file attached to
its own in-memory DuckDB (never `duckdb.connect(path)`: DuckDB caches databases by path and would hand back the old
file); a request reads from a cursor of the newest snapshot, and an older snapshot lives until its last cursor
closes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from privacy.pseudonymise import full_pii

ALIAS = "analytics"
# One thread per query: a page's reads are small, several readers use the cores between them, and the night
# running beside the console keeps its share (measured: less CPU per page than two threads).
THREADS = 1


class NoAnalyticsCopy(RuntimeError):
    """The CDP has not published a copy yet (no successful night)."""


@dataclass(frozen=True)
class _Snapshot:
    identity: tuple[int, int, int]  # device, inode, modification time of the file attached
    con: duckdb.DuckDBPyConnection


class AnalyticsCopy:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    @property
    def pseudonymised(self) -> bool:
        """Whether personal columns are keyed hashes: how the CDP publishes the copy (privacy/pseudonymise.py)."""
        return not full_pii()

    def _current(self) -> _Snapshot:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise NoAnalyticsCopy(str(self.path)) from None
        identity = (stat.st_dev, stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if self._snapshot is None or self._snapshot.identity != identity:
                con = duckdb.connect(":memory:", config={"threads": THREADS})
                con.execute(f"attach '{self.path}' as {ALIAS} (read_only)")
                self._snapshot = _Snapshot(identity, con)
            return self._snapshot

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own (thread-safe) on the newest copy, with its schemas as the default catalog."""
        cursor = self._current().con.cursor()
        try:
            cursor.execute(f"use {ALIAS}")
            yield cursor
        finally:
            cursor.close()

    def has_table(self, cursor: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
        return bool(
            cursor.execute(
                "select count(*) from information_schema.tables "
                "where table_catalog = ? and table_schema = ? and table_name = ?",
                [ALIAS, schema, table],
            ).fetchall()[0][0]
        )


def rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """The result of `sql` as dicts keyed by column name."""
    result = cursor.execute(sql, params or [])
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
