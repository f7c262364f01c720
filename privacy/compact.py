"""Rewriting a DuckDB file so deleted rows do not linger in its pages.

DuckDB marks deleted rows and reuses their blocks later, but the bytes stay in the file until overwritten; a
byte scan after `DELETE` + `CHECKPOINT` still finds them. So nothing is deleted in place: the rows to keep are
copied into a fresh file, which is swapped in. Leaving rows out while copying makes the erasure and the rewrite one
pass over the data, and the old file is only read: until the swap, the warehouse is as it was.

The old file stays attached (read-only, a shared lock) from the start until after the swap, so no nightly run or
sync writes it while its fresh copy is made and the rest of the forget is done; what they would write would be lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import Table, quiet, transaction

OLD = "old_copy"
# The catalogue name views are bound to: dbt-duckdb writes views that name the warehouse's own catalogue.
NEW = "warehouse"


@dataclass
class Rewrite:
    """A rewrite of `path` into `fresh` in progress; `con` reads the old file as catalogue `OLD` (the default)."""

    con: duckdb.DuckDBPyConnection
    path: Path
    fresh: Path

    @contextmanager
    def copying(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """`con` with the fresh file attached as `NEW`, holding the old file's schemas, tables and views but no
        rows; what the block copies into it is written once, when the block ends without error."""
        self.con.execute(f"attach '{self.fresh}' as {NEW}")
        self.con.execute(f"copy from database {OLD} to {NEW} (schema)")
        self.con.execute(f"use {OLD}")
        # One transaction: the fresh file is written once at the end, not checkpointed table by table.
        with transaction(self.con):
            yield self.con
        self.con.execute(f"use {OLD}")
        self.con.execute(f"detach {NEW}")

    def swap(self) -> None:
        """Puts the fresh file in the old one's place (owner-only): the moment the rewrite takes effect."""
        os.chmod(self.fresh, 0o600)
        os.replace(self.fresh, self.path)
        # The old file had no log (checkpointed first); one here now would be replayed into the fresh file.
        Path(f"{self.path}.wal").unlink(missing_ok=True)


@contextmanager
def rewriting(path: Path) -> Iterator[Rewrite]:
    """A rewrite of the DuckDB file at `path`: copy what to keep with `Rewrite.copying`, then `Rewrite.swap`.

    A rewrite that ends without swapping (an error, or a process killed) leaves the old file as it was; a fresh
    file left behind by a killed one is removed by the next.
    """
    fresh = path.with_name(path.stem + ".compacting.duckdb")
    fresh.unlink(missing_ok=True)
    Path(f"{fresh}.wal").unlink(missing_ok=True)
    try:
        # Checkpointed first: no log of the old file is left to unlink, or to lose, at the swap.
        with duckdb.connect(str(path)) as checkpoint:
            checkpoint.execute("checkpoint")
    except duckdb.IOException as error:
        raise RuntimeError(
            f"{path} is in use (a nightly run, a sync or the Dagster UI holds it): run the request again when it "
            "has finished."
        ) from error
    try:
        with quiet(duckdb.connect(":memory:")) as con:
            con.execute(f"attach '{path}' as {OLD} (read_only)")
            con.execute(f"use {OLD}")
            yield Rewrite(con, path, fresh)
    finally:
        fresh.unlink(missing_ok=True)  # swapped in already, or never to be
        Path(f"{fresh}.wal").unlink(missing_ok=True)


def copy_table(con: duckdb.DuckDBPyConnection, table: Table, where: str = "true") -> None:
    """Copies the rows of `table` that satisfy `where` from `OLD` into `NEW`."""
    con.execute(f"insert into {NEW}.{table.ref} select * from {OLD}.{table.ref} where {where}")
