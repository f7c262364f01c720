"""Deleting one person's rows from every table of the warehouse, found by what the rows hold, not by a list.

A row is the person's when a text column holds one of their identifiers (customer ID, record ID, email or phone
in any form), when a source's own table names one of their source IDs in an ID column, or when a free-text column
(a quarantined payload, a ticket) mentions their email, phone or record ID. Rows of dlt child tables go with their
parent, and a parent goes with a child that names the person (an order's tender naming the customer makes the
order theirs).
"""

from __future__ import annotations

import re

import duckdb

from cdp_orchestration.privacy.catalog import Table, quote, tables
from cdp_orchestration.privacy.person import Subject, person_tables

# History that holds only pseudonymous IDs and must survive (CONTRACT §4), and the privacy area's own records.
KEPT_TABLES = {("identity", "id_history"), ("identity", "resolution_runs")}
KEPT_SCHEMAS = {"privacy", "meta"}
_PHONE_COLUMN = re.compile(r"phone|mobile", re.IGNORECASE)
_FREE_TEXT_COLUMN = re.compile(r"payload|content|detail|body|note|subject|response|message", re.IGNORECASE)
# Columns that name a source's own customer or contact ID, unprefixed.
_SOURCE_ID_COLUMN = re.compile(r"(^|_)(customer|contact)(_id|__id|_ids)$|^source_record_id$|^customer_record_id$")
_MIN_SUBSTRING = 6


def erase_rows(
    con: duckdb.DuckDBPyConnection, subject: Subject, kept: set[tuple[str, str]] = frozenset()
) -> dict[str, int]:
    """Deletes the subject's rows everywhere but `kept` tables; returns rows deleted per `schema.table`."""
    _register_tokens(con, subject)
    person_names = {(t.schema, t.name) for t in person_tables(con)}
    person_names |= {(f"{s}_staging", n) for s, n in person_names}
    candidates = [
        t
        for t in tables(con)
        if not t.is_view
        and not t.name.startswith("_dlt")
        and t.schema not in KEPT_SCHEMAS
        and (t.schema, t.name) not in KEPT_TABLES | set(kept)
    ]
    counts: dict[str, int] = {}
    by_schema: dict[str, list[Table]] = {}
    for table in candidates:
        by_schema.setdefault(table.schema, []).append(table)
    for schema_tables in by_schema.values():
        predicates = {t.name: _predicate(t, subject, (t.schema, t.name) in person_names) for t in schema_tables}
        doomed = _doomed_dlt_rows(con, schema_tables, predicates)
        for table in schema_tables:
            clauses = [p for p in [predicates[table.name]] if p]
            if doomed and "_dlt_id" in table.columns:
                clauses += [f"{quote(c)} in (select id from privacy_doomed)" for c in _dlt_links(table)]
            if not clauses:
                continue
            (deleted,) = con.execute(f"delete from {table.ref} where {' or '.join(clauses)}").fetchall()[0]
            if deleted:
                counts[f"{table.schema}.{table.name}"] = int(deleted)
    return counts


def _register_tokens(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    strong = {v.strip().lower() for v in subject.customer_ids | subject.record_ids | subject.emails | subject.phones}
    digits = {re.sub(r"\D", "", p) for p in subject.phones}
    mentions = {v for v in strong if len(v) >= _MIN_SUBSTRING and not v.startswith("cus_")} | {
        d for d in digits if len(d) >= 8
    }
    con.execute("create or replace temp table privacy_strong (token varchar)")
    con.execute("create or replace temp table privacy_digits (token varchar)")
    con.execute("create or replace temp table privacy_mentions (token varchar)")
    con.execute("create or replace temp table privacy_records (source_system varchar, source_record_id varchar)")
    _fill(con, "privacy_strong", [[v] for v in strong if v])
    _fill(con, "privacy_digits", [[d] for d in digits if len(d) >= 7])
    _fill(con, "privacy_mentions", [[m] for m in mentions])
    _fill(con, "privacy_records", [list(r) for r in sorted(subject.records)])


def _fill(con: duckdb.DuckDBPyConnection, table: str, rows: list[list[str]]) -> None:
    if rows:
        placeholders = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({placeholders})", rows)


def _source_of(table: Table) -> str | None:
    """The source system a table belongs to: its raw schema (`raw_<s>`, `raw_<s>_staging`) or `stg_<s>__` name."""
    if table.schema.startswith("raw_"):
        return table.schema.removeprefix("raw_").removesuffix("_staging")
    match = re.match(r"stg_([a-z0-9]+)__", table.name)
    return match.group(1) if match else None


def _predicate(table: Table, subject: Subject, is_person_table: bool) -> str:
    clauses: list[str] = []
    for column in table.text_columns():
        c = quote(column)
        clauses.append(f"lower(trim({c})) in (select token from privacy_strong)")
        if _PHONE_COLUMN.search(column):
            clauses.append(f"regexp_replace({c}, '[^0-9]', '', 'g') in (select token from privacy_digits)")
        if _FREE_TEXT_COLUMN.search(column):
            clauses.append(f"exists (select 1 from privacy_mentions as m where contains(lower({c}), m.token))")
    source = _source_of(table)
    if source and subject.bare_ids(source):
        id_columns = [c for c in table.columns if _SOURCE_ID_COLUMN.search(c)]
        if is_person_table and "id" in table.columns:
            id_columns.append("id")
        if "value" in table.columns and re.search(r"contact|customer", table.name):
            id_columns.append("value")
        for column in id_columns:
            clauses.append(
                f"cast({quote(column)} as varchar) in "
                f"(select source_record_id from privacy_records where source_system = '{source}')"
            )
    if {"source_system", "source_record_id"} <= table.columns.keys():
        clauses.append(
            "(source_system, cast(source_record_id as varchar)) in "
            "(select source_system, source_record_id from privacy_records)"
        )
    return " or ".join(clauses)


def _dlt_links(table: Table) -> list[str]:
    return [c for c in ("_dlt_id", "_dlt_root_id", "_dlt_parent_id") if c in table.columns]


def _doomed_dlt_rows(con: duckdb.DuckDBPyConnection, schema_tables: list[Table], predicates: dict[str, str]) -> bool:
    """Fills `privacy_doomed` with the dlt row IDs to delete in one schema: matches, their roots and descendants."""
    con.execute("create or replace temp table privacy_doomed (id varchar)")
    linked = [t for t in schema_tables if "_dlt_id" in t.columns]
    for table in linked:
        if not predicates[table.name]:
            continue
        up = [c for c in ("_dlt_root_id", "_dlt_parent_id") if c in table.columns][:1]
        ids = ", ".join([quote("_dlt_id"), *map(quote, up)])
        con.execute(
            f"insert into privacy_doomed select unnest([{ids}]) from {table.ref} where {predicates[table.name]}"
        )
    (total,) = con.execute("select count(*) from privacy_doomed").fetchall()[0]
    if not total:
        return False
    while True:
        added = 0
        for table in linked:
            down = [c for c in ("_dlt_root_id", "_dlt_parent_id") if c in table.columns]
            if not down:
                continue
            match = " or ".join(f"{quote(c)} in (select id from privacy_doomed)" for c in down)
            (n,) = con.execute(
                f"insert into privacy_doomed select _dlt_id from {table.ref} "
                f"where ({match}) and _dlt_id not in (select id from privacy_doomed)"
            ).fetchall()[0]
            added += n
        if not added:
            return True
