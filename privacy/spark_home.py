"""Forget and retention on a Spark home's parquet files: dlt's landed loads, Spark's tables and its copied sources.

In a Spark home the raw tables are only files (`warehouse.landing`) and every dbt model is a Spark table of parquet
files, which the warehouse reads through views. A forget finds the person there as in the warehouse (erase.py's row
clauses, over the files) and stages the rewrite of every file holding them (parquet_files.py); the files change when
the forget commits, right after its warehouse swap. Retention deletes the landed rows past their window, with the rows
of dlt's nested tables under them; dbt rebuilds Spark's tables from the landed files every night, so the rules on
marts need nothing more on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from dlt_sources.common.upgrade import kept_schema, source_of_raw_schema
from privacy.erase import mark_subject_rows, marked_rows, start_marking
from privacy.parquet_files import (
    LANDED,
    ParquetTable,
    attach,
    commit,
    find_tables,
    finish_pending,
    spark_places,
    stage_deletion,
)
from privacy.person import Subject, person_tables
from privacy.retention import NESTED, nested_parent, retention_clock, retention_rules
from privacy.store import committed_requests
from warehouse import Table, quote

# Retention's staged rewrites are committed at once; one left by a stopped run is discarded and done again.
RETENTION_TAG = "retention"


@dataclass
class SparkFiles:
    """A Spark home's parquet tables, attached to a connection as one catalogue per place (`parquet_files`)."""

    con: duckdb.DuckDBPyConnection
    places: dict[str, Path]
    attached: dict[str, dict[str, tuple[Table, ParquetTable]]]
    finished: int  # files a stopped forget had committed to, put in place on opening

    @classmethod
    def open(cls, con: duckdb.DuckDBPyConnection, home: Path) -> SparkFiles | None:
        """The parquet tables of `home` on `con` (whose database is the warehouse: its request log says which stopped
        forgets took effect, and those are completed first); None in a home Spark never ran in."""
        places = spark_places(home)
        if not places:
            return None
        finished = finish_stopped_rewrites(con, home)
        attached = {catalog: attach(con, catalog, find_tables(root)) for catalog, root in places.items()}
        return cls(con, places, attached, finished)

    def folders(self) -> list[Path]:
        return [files.folder for tables in self.attached.values() for _, files in tables.values()]

    def stage_erasure(self, subject: Subject, tag: str) -> dict[str, int]:
        """Stages every file's rewrite without the subject's rows (erase.py's, dlt relatives included) under `tag`;
        returns the rows erased per `<catalogue>/<schema>.<table>`."""
        start_marking(self.con, subject)
        person_names = {(t.schema, t.name) for t in person_tables(self.con, LANDED)}
        counts: dict[str, int] = {}
        for catalog, tables in self.attached.items():
            by_schema: dict[str, list[Table]] = {}
            for table, _ in tables.values():
                by_schema.setdefault(table.schema, []).append(table)
            for schema_tables in by_schema.values():
                mark_subject_rows(self.con, catalog, schema_tables, subject, person_names)
            for table, files in tables.values():
                erased = stage_deletion(self.con, files, marked_rows(catalog, table), tag)
                if erased:
                    counts[f"{catalog}/{table.schema}.{table.name}"] = erased
        return counts

    def commit(self, tag: str) -> int:
        return commit(self.places.values(), tag)


def finish_stopped_rewrites(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Puts in place the file rewrites of a forget that stopped after its warehouse swap (`con` is the warehouse: its
    request log says which took effect) and discards any other staged rewrite; returns the files changed. For the
    night to call before Spark reads the files (no forget need run again first), on `con` open for writing (see
    `apply_retention_landed`)."""
    return finish_pending(spark_places(home).values(), committed_requests(con))


def apply_retention_landed(con: duckdb.DuckDBPyConnection, landing: Path) -> dict[str, int]:
    """Deletes the landed rows past their window (`retention.yml`'s rules on raw tables, as of the store `con`'s
    sources clock) from the files under `landing`, rewriting only files that hold any; returns rows deleted per table.

    First completes the file rewrites of a forget that stopped after taking effect (a retention rewrite of a file
    would otherwise be overwritten by the forget's older one, bringing expired rows back) and discards any other:
    `con` must be open for writing, which no forget lets happen until its rewrites are staged and swapped in."""
    finish_pending([landing], committed_requests(con))
    as_of = retention_clock(con)
    if as_of is None:
        return {}
    with duckdb.connect(":memory:") as files_con:
        attached = attach(files_con, LANDED, find_tables(landing))
        deleted: dict[str, int] = {}
        for rule in retention_rules():
            cutoff = as_of - timedelta(days=rule.keep_days)
            for spec in rule.tables:
                schema, table = spec["table"].split(".")
                if not source_of_raw_schema(schema):
                    continue  # a model: Spark's tables are built anew from the landed files
                condition = f"{spec['timestamp']} < ?" + (f" and ({spec['where']})" if spec.get("where") else "")
                for held_in in (schema, kept_schema(schema)):
                    if f"{quote(held_in)}.{quote(table)}" in attached:
                        deleted |= _delete_with_nested(files_con, attached, held_in, table, condition, cutoff)
        commit([landing], RETENTION_TAG)
    return deleted


def _delete_with_nested(
    con: duckdb.DuckDBPyConnection,
    attached: dict[str, tuple[Table, ParquetTable]],
    schema: str,
    table: str,
    condition: str,
    cutoff: datetime,
) -> dict[str, int]:
    """Stages the deletion of the landed rows of `schema.table` meeting `condition`, and of the rows nested under them
    in dlt's child tables (each under its real parent, as retention.py follows them in the warehouse)."""
    family = {t.name: (t, files) for t, files in attached.values() if t.schema == schema}
    names = set(family)

    def view(name: str) -> str:
        return f"{LANDED}.{family[name][0].ref}"

    con.execute(f"create or replace temp table retention_gone as select ? as tbl, rowid from {view(table)} "
                f"where {condition}", [table, cutoff])  # fmt: skip
    nested = [] if "_dlt_id" not in family[table][0].columns else sorted(
        (n for n in names if n.startswith(table + NESTED)), key=lambda n: n.count(NESTED)
    )  # fmt: skip
    for child in nested:
        parent = nested_parent(child, names)
        con.execute(
            f"insert into retention_gone select ?, rowid from {view(child)} where _dlt_parent_id in "
            f"(select _dlt_id from {view(parent)} where rowid in (select rowid from retention_gone where tbl = ?))",
            [child, parent],
        )
    deleted = {}
    for name in [table, *nested]:
        gone = "select rowid from retention_gone where tbl = '" + name.replace("'", "''") + "'"
        deleted[f"{schema}.{name}"] = stage_deletion(con, family[name][1], gone, RETENTION_TAG)
    return deleted
