"""Retention: personal data older than its configured window is deleted by the nightly run.

The window is counted back from the run's as-of time (the sources' clock in `meta.source_clock`), never the
machine's. dlt child tables of a raw table (`<table>__<list>`) lose the rows whose parent went.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import yaml

RETENTION_FILE = Path(__file__).with_name("retention.yml")


@dataclass(frozen=True)
class RetentionRule:
    name: str
    source: str
    keep_days: int
    tables: list[dict[str, str]]


def retention_rules(path: Path | None = None) -> list[RetentionRule]:
    """The version-controlled rules; `CDP_RETENTION_FILE` points elsewhere (a test, a stricter policy)."""
    path = path or Path(os.environ.get("CDP_RETENTION_FILE") or RETENTION_FILE)
    return [RetentionRule(**rule) for rule in yaml.safe_load(path.read_text())["rules"]]


def _exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(
        con.sql(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?", params=[schema, table]
        ).fetchall()
    )


def apply_retention(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, int]:
    """Deletes the rows past their window for the rules of `source`; returns rows deleted per table."""
    as_of = con.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
    deleted: dict[str, int] = {}
    if as_of is None:
        return deleted
    for rule in (r for r in retention_rules() if r.source == source):
        cutoff = as_of - timedelta(days=rule.keep_days)
        for spec in rule.tables:
            if not _exists(con, spec["table"]):
                continue
            condition = f"{spec['timestamp']} < ?" + (f" and ({spec['where']})" if spec.get("where") else "")
            count = con.execute(f"delete from {spec['table']} where {condition}", [cutoff]).fetchall()[0][0]
            deleted[spec["table"]] = count
            schema, table = spec["table"].split(".")
            for (child,) in con.sql(
                "select table_name from information_schema.tables where table_schema = ? "
                "and starts_with(table_name, ?)",
                params=[schema, f"{table}__"],
            ).fetchall():
                orphans = con.execute(
                    f"delete from {schema}.{child} where _dlt_parent_id not in (select _dlt_id from {spec['table']})"
                ).fetchall()[0][0]
                deleted[f"{schema}.{child}"] = orphans
    return deleted
