"""Retention: personal data older than its configured window is deleted by the nightly run.

The window is counted back from the sources' clock (`meta.source_clock`, their HTTP `Date` headers), never the
machine's; rows of dlt's nested tables go with the row above them, however deep. dlt's completed load packages
(every night's raw payloads, kept on disk after loading) are deleted once loaded: nothing reads them again.

One wrong `Date` header must not delete data still inside its window: the clock is `meta.sources_clock`, the lower
median of each source's latest observation (warehouse/loads.py), which a single source jumping ahead cannot move.

A raw table's rule reaches the older tables an upgrade kept of it (`raw_<source>__before_upgrade`, where they wait
until the user has checked the reload): personal data all the same.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import yaml

from dlt_sources.common.upgrade import kept_schema, source_of_raw_schema
from warehouse import column_names, has_table, quote

RETENTION_FILE = Path(__file__).with_name("retention.yml")
NESTED = "__"  # dlt names a nested table <parent>__<field>


@dataclass(frozen=True)
class RetentionRule:
    name: str
    source: str  # the system the data comes from (documentation: every rule is applied after every load)
    keep_days: int
    tables: list[dict[str, str]]


def retention_rules(path: Path | None = None) -> list[RetentionRule]:
    """The version-controlled rules; `CDP_RETENTION_FILE` points elsewhere (a test, a stricter policy)."""
    path = path or Path(os.environ.get("CDP_RETENTION_FILE") or RETENTION_FILE)
    return [RetentionRule(**rule) for rule in yaml.safe_load(path.read_text())["rules"]]


def retention_clock(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The time retention counts back from: the sources' clock (`meta.sources_clock`)."""
    if not has_table(con, "meta", "sources_clock"):
        return None
    rows = con.sql("select observed_at from meta.sources_clock").fetchall()
    return rows[0][0] if rows else None


def apply_retention(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Deletes the rows past their window for every rule; returns rows deleted per table."""
    as_of = retention_clock(con)
    deleted: dict[str, int] = {}
    if as_of is None:
        return deleted
    for rule in retention_rules():
        cutoff = as_of - timedelta(days=rule.keep_days)
        for spec in rule.tables:
            schema, table = spec["table"].split(".")
            condition = f"{spec['timestamp']} < ?" + (f" and ({spec['where']})" if spec.get("where") else "")
            # The older tables an upgrade kept of a raw table (same names, in the kept schema) are the same data.
            for held_in in (schema, kept_schema(schema)) if source_of_raw_schema(schema) else (schema,):
                if _is_base_table(con, held_in, table):
                    deleted |= _delete_with_nested(con, held_in, table, condition, [cutoff])
    return deleted


def _is_base_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """A table of the warehouse, not a view: in a Spark home a model is a view over Spark's table, which dbt builds
    anew from the landed files (`spark_home.apply_retention_landed` applies the rules there)."""
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = ? and table_type = 'BASE TABLE'",
            [schema, table],
        ).fetchall()
    )


def _delete_with_nested(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, condition: str, params: list
) -> dict[str, int]:
    """Deletes the rows of `schema.table` meeting `condition`, then the rows nested under them in dlt's child
    tables, following each child to its real parent (the longest existing prefix of its name)."""
    ref = f"{quote(schema)}.{quote(table)}"
    columns = column_names(con, schema, table)
    if "_dlt_id" not in columns:
        return {f"{schema}.{table}": con.execute(f"delete from {ref} where {condition}", params).fetchall()[0][0]}
    nested = sorted(
        (name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and starts_with(table_name, ?)",
            [schema, table + NESTED],
        ).fetchall()),
        key=lambda name: name.count(NESTED),
    )  # fmt: skip
    family = {table, *nested}
    deleted: dict[str, int] = {}
    con.execute(f"create or replace temp table retention_gone as select ? as tbl, _dlt_id from {ref} where {condition}",
                [table, *params])  # fmt: skip
    deleted[f"{schema}.{table}"] = _delete_gone(con, ref, table)
    for child in nested:
        parent = nested_parent(child, family)
        con.execute(
            f"insert into retention_gone select ?, _dlt_id from {schema}.{quote(child)} where _dlt_parent_id in "
            "(select _dlt_id from retention_gone where tbl = ?)",
            [child, parent],
        )
        deleted[f"{schema}.{child}"] = _delete_gone(con, f"{quote(schema)}.{quote(child)}", child)
    con.execute("drop table retention_gone")
    return deleted


def _delete_gone(con: duckdb.DuckDBPyConnection, ref: str, table: str) -> int:
    return con.execute(
        f"delete from {ref} where _dlt_id in (select _dlt_id from retention_gone where tbl = ?)", [table]
    ).fetchall()[0][0]


def nested_parent(child: str, family: set[str]) -> str:
    """dlt's parent of a nested table: `a__b__c` is under `a__b` when that table exists, else under `a` (`b` was
    an object flattened into `a`'s columns)."""
    parts = child.split(NESTED)
    return next(NESTED.join(parts[:n]) for n in range(len(parts) - 1, 0, -1) if NESTED.join(parts[:n]) in family)


def drop_loaded_packages(pipelines: Path) -> int:
    """Deletes dlt's completed load packages under `pipelines` (one folder per pipeline): the raw payloads of every
    load, kept by dlt after loading and needed by nothing. Packages still to load (`new`, `normalized`) stay."""
    dropped = 0
    for loaded in pipelines.glob("*/load/loaded"):
        for package in loaded.iterdir():
            shutil.rmtree(package) if package.is_dir() else package.unlink()
            dropped += 1
    return dropped
