"""Rewriting a DuckDB file so deleted rows do not linger in its free pages.

DuckDB marks deleted rows and reuses their blocks later, but the bytes stay in the file until overwritten; a
byte scan after `DELETE` + `CHECKPOINT` still finds them. Copying the live database into a fresh file and
swapping it in leaves nothing behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# The catalogue name views are bound to: dbt-duckdb writes views that name the warehouse's own catalogue.
_CATALOG = "warehouse"


def compact(path: Path) -> None:
    """Replaces the file at `path` with a fresh copy of its contents (owner-only)."""
    fresh = path.with_name(path.stem + ".compacting.duckdb")
    fresh.unlink(missing_ok=True)
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{path}' as old_copy (read_only)")
        con.execute(f"attach '{fresh}' as {_CATALOG}")
        con.execute(f"copy from database old_copy to {_CATALOG}")
        con.execute(f"detach {_CATALOG}")
        con.execute("detach old_copy")
    os.chmod(fresh, 0o600)
    os.replace(fresh, path)
    Path(f"{path}.wal").unlink(missing_ok=True)
