"""Rewriting a DuckDB file so deleted rows do not linger in its pages.

DuckDB marks deleted rows and reuses their blocks later, but the bytes stay in the file until overwritten; a
byte scan after `DELETE` + `CHECKPOINT` still finds them. So nothing is deleted in place: the rows to keep are
copied into a fresh file, which is swapped in. Leaving rows out while copying makes the erasure and the rewrite one
pass over the data, and the old file is only read: a forget that fails midway leaves the warehouse as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse import Table, transaction

OLD = "old_copy"
# The catalogue name views are bound to: dbt-duckdb writes views that name the warehouse's own catalogue.
NEW = "warehouse"


@contextmanager
def rewriting(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection reading the file at `path` as catalogue `OLD` (the default one) and writing a fresh file with
    the same schemas, tables and views but no rows as `NEW`. When the block ends without error the fresh file
    replaces the old one (owner-only); otherwise it is removed and the old file stays as it was.
    """
    fresh = path.with_name(path.stem + ".compacting.duckdb")
    fresh.unlink(missing_ok=True)
    try:
        with duckdb.connect(":memory:") as con:
            # Read-only: a shared lock, so no nightly run writes the old file while it is copied.
            con.execute(f"attach '{path}' as {OLD} (read_only)")
            con.execute(f"attach '{fresh}' as {NEW}")
            con.execute(f"copy from database {OLD} to {NEW} (schema)")
            con.execute(f"use {OLD}")
            # One transaction: the fresh file is written once at the end, not checkpointed table by table.
            with transaction(con):
                yield con
            con.execute("use memory")
            con.execute(f"detach {NEW}")
            con.execute(f"detach {OLD}")
    except BaseException:
        fresh.unlink(missing_ok=True)
        Path(f"{fresh}.wal").unlink(missing_ok=True)
        raise
    os.chmod(fresh, 0o600)
    os.replace(fresh, path)
    # The old file's log was read with it (a read-only attach replays it) and its changes are in the fresh file.
    Path(f"{path}.wal").unlink(missing_ok=True)


def copy_table(con: duckdb.DuckDBPyConnection, table: Table, where: str = "true") -> None:
    """Copies the rows of `table` that satisfy `where` from `OLD` into `NEW`."""
    con.execute(f"insert into {NEW}.{table.ref} select * from {OLD}.{table.ref} where {where}")
