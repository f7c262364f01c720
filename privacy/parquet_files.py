"""Deleting rows from parquet files (the Spark engine's landed loads and tables), rewriting only files that hold any.

Parquet cannot be updated: a file that loses rows is written anew beside itself and renamed over the old one, so a
reader sees one or the other. A file left with no rows is deleted, unless it is its folder's last: DuckDB's
`read_parquet('<folder>/*.parquet')` and the landing's `register` need a file to read a table's columns from, so the
last one is kept, empty, with its columns. Files that lose nothing are not touched.

The rows are found with DuckDB over the files: each table folder is a view in an attached in-memory catalogue (one per
place), whose `rowid` names a row by its file and its position in it, as a DuckDB table's `rowid` does; erase.py and
retention.py mark rows there as they do in the warehouse.

A rewrite is staged first (`.<file>.<tag>.pending`, hidden from Spark and from `*.parquet` globs; an empty one stands
for a deletion) and takes effect when `commit` renames it over its file: a forget commits after its warehouse swap,
so a forget stopped before the swap leaves every file as it was; `finish_pending` completes what a stopped one
committed and discards what it did not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import Table, quote, tables
from warehouse.landing import landing_dir
from warehouse.spark import files_dir

# A row's `rowid`: its file's position in the table's list (from 1) above these bits, its row number in the file below.
ROW_BITS = 40
STAGED_SUFFIX = ".pending"
# The catalogues the places are attached as: dlt's landed loads, Spark's tables (dbt's models) and the sources copied
# from DuckDB to Spark.
LANDED, SPARK_TABLES, SPARK_SOURCES = "landed", "spark_tables", "spark_sources"
FILE_INDEX = "main._cdp_files"


@dataclass(frozen=True)
class ParquetTable:
    """A table's parquet files: the files directly in its folder that Spark reads (not hidden, `.parquet`)."""

    schema: str
    name: str
    folder: Path
    files: tuple[Path, ...]


def spark_places(home: Path) -> dict[str, Path]:
    """The folders of parquet tables of a Spark home, by catalogue; none in a home Spark never ran in."""
    # Checked before asking warehouse.spark, which makes the folder.
    if not (home / "spark").is_dir():
        return {}
    files = files_dir(home)
    return {LANDED: landing_dir(home), SPARK_TABLES: files / "warehouse", SPARK_SOURCES: files / "raw"}


def find_tables(root: Path) -> list[ParquetTable]:
    """The tables under `root`, laid out `<schema>/<table>/` (dlt's landing, the copied sources) or
    `<schema>.db/<table>/` (Spark's warehouse). dlt's bookkeeping tables (`_dlt_loads`, …) hold no one's data; the
    dbt project partitions no table (files in subfolders)."""
    found = []
    for folder in sorted(root.glob("*/*/")) if root.is_dir() else []:
        files = tuple(sorted(p for p in folder.glob("*.parquet") if not p.name.startswith((".", "_"))))
        if files and not folder.name.startswith("_dlt"):
            found.append(ParquetTable(folder.parent.name.removesuffix(".db"), folder.name, folder, files))
    return found


def attach(
    con: duckdb.DuckDBPyConnection, catalog: str, found: list[ParquetTable]
) -> dict[str, tuple[Table, ParquetTable]]:
    """Attaches `found` as views of an in-memory catalogue `catalog`; returns each as a warehouse `Table` (its columns
    less `rowid`) with its files, by `Table.ref`."""
    # Writable even beside a warehouse opened read-only (a subject access request).
    con.execute(f"attach if not exists ':memory:' as {catalog} (read_only false)")
    # Each file's position in its table's list, joined to its rows by name: looked up in a list, it took a scan of
    # the list per row (a decade of daily loads is thousands of files).
    con.execute(f"create or replace table {catalog}.{FILE_INDEX} (path varchar, position bigint)")
    con.executemany(
        f"insert into {catalog}.{FILE_INDEX} values (?, ?)",
        [[str(path), position] for table in found for position, path in enumerate(table.files, 1)],
    )
    for table in found:
        files = "[" + ", ".join(_text(str(f)) for f in table.files) + "]"
        con.execute(f"create schema if not exists {catalog}.{quote(table.schema)}")
        # By name: a column a later load added reads as null in the files before it (as the landing's register does).
        con.execute(
            f"create or replace view {catalog}.{quote(table.schema)}.{quote(table.name)} as "
            f"select rows.* exclude (_cdp_file, file_row_number), "
            f"(files.position << {ROW_BITS}) + rows.file_row_number as rowid "
            f"from read_parquet({files}, union_by_name = true, filename = '_cdp_file', file_row_number = true) as rows "
            f"join {catalog}.{FILE_INDEX} as files on files.path = rows._cdp_file"
        )
    by_name = {(t.schema, t.name): t for t in found}
    attached = {}
    for table in tables(con, catalog):
        if (table.schema, table.name) in by_name:
            columns = {c: t for c, t in table.columns.items() if c != "rowid"}
            attached[table.ref] = (Table(table.schema, table.name, columns, False), by_name[(table.schema, table.name)])
    return attached


def stage_deletion(con: duckdb.DuckDBPyConnection, table: ParquetTable, rowids: str, tag: str) -> int:
    """Stages the rewrite of each file of `table` holding a row of `rowids` (a query of one column: `rowid`s of its
    view) without them; returns the rows deleted. Nothing changes until `commit(…, tag)`."""
    con.execute(
        f"create or replace temp table parquet_doomed as select distinct rowid >> {ROW_BITS} as file, "
        f"rowid & {(1 << ROW_BITS) - 1} as row from ({rowids}) as doomed(rowid)"
    )
    hit = dict(con.execute("select file, count(*) from parquet_doomed group by file").fetchall())
    if not hit:
        return 0
    left = {index: _rows_in(con, table.files[index - 1]) - n for index, n in hit.items()}
    # The folder keeps one file, empty if need be, when every one of its files would go.
    keep_empty = min(left) if len(hit) == len(table.files) and not any(left.values()) else None
    for index in sorted(hit):
        path = table.files[index - 1]
        staged = staged_path(path, tag)
        if left[index] or index == keep_empty:
            _write_without(con, path, index, staged)
        else:
            staged.write_bytes(b"")
    return sum(hit.values())


def staged_path(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}{STAGED_SUFFIX}")


def commit(roots: Iterable[Path], tag: str) -> int:
    """Puts the rewrites staged under `roots` with `tag` in place; returns the files changed."""
    return sum(_put_in_place(staged) for staged in _staged(roots, tag))


def finish_pending(roots: Iterable[Path], committed: frozenset[str]) -> int:
    """Completes the staged rewrites of a stopped request in `committed` and discards the others (a stopped forget's
    before its swap, a stopped retention's, which the next run does again); returns the files changed."""
    changed = 0
    for staged in _staged(roots, "*"):
        tag = staged.name.removesuffix(STAGED_SUFFIX).rpartition(".")[2]
        if tag in committed:
            changed += _put_in_place(staged)
        else:
            staged.unlink()
    return changed


def _staged(roots: Iterable[Path], tag: str) -> list[Path]:
    return sorted(p for root in roots if root.is_dir() for p in root.glob(f"*/*/.*.parquet.{tag}{STAGED_SUFFIX}"))


def _put_in_place(staged: Path) -> int:
    target = staged.with_name(staged.name[1:].removesuffix(STAGED_SUFFIX).rpartition(".")[0])
    if not target.exists():
        # Rewritten by Spark since (a table built anew): what was staged describes files that are gone.
        staged.unlink()
        return 0
    # Hadoop's local file system checks a file against the checksum it wrote beside it; the new file has none.
    target.with_name(f".{target.name}.crc").unlink(missing_ok=True)
    try:
        if staged.stat().st_size:
            os.chmod(staged, target.stat().st_mode & 0o777)
            os.replace(staged, target)
        else:
            target.unlink()
            staged.unlink()
    except FileNotFoundError:
        return 0  # put in place meanwhile by the night's `finish_pending`, once the forget's swap let it in
    return 1


def _write_without(con: duckdb.DuckDBPyConnection, path: Path, index: int, staged: Path) -> None:
    """Writes the rows of `path` not in `parquet_doomed` to `staged`, with its columns and key-value metadata
    (Spark's schema of the file) as they were."""
    metadata = con.execute(
        "select decode(key), decode(value) from parquet_kv_metadata(?) where decode(key) <> 'ARROW:schema'", [str(path)]
    ).fetchall()
    options = ", kv_metadata {" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in metadata) + "}" if metadata else ""
    con.execute(
        f"copy (select * exclude (file_row_number) from read_parquet({_text(str(path))}, file_row_number = true) "
        f"where file_row_number not in (select row from parquet_doomed where file = {index})) "
        f"to {_text(str(staged))} (format parquet{options})"
    )


def _rows_in(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return int(con.execute("select sum(num_rows) from parquet_file_metadata(?)", [str(path)]).fetchall()[0][0])


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
