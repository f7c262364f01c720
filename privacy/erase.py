"""Leaving one person's rows out of every table of the warehouse, found by what the rows hold, not by a list.

A row is the person's when a column holds, as its whole value, one of their identifiers (customer ID, record ID,
an email or phone only they hold, or an ID that stands for them elsewhere: a web client ID stitched to them, a
loyalty account of theirs, a long bare source ID: `person.py`), when a source's own table names one of their source
IDs in an ID column, when a raw payload (JSON) holds one as a field's value, or when free text (a ticket, an email
tool's answer) quotes one of their emails as a whole address. Nothing matches inside a value: `ann@x.com` is not in
`joann@x.com`, nor `0000000000` in a line-item ID. Rows of dlt child tables go with their parent, and a parent goes
with a child that names the person (an order's tender naming the customer makes the order theirs).
"""

from __future__ import annotations

import re

import duckdb

from dlt_sources.common.upgrade import source_of_raw_schema
from privacy.compact import OLD, copy_table
from privacy.person import Subject, person_tables
from warehouse import Table, quote, tables

# History that holds only pseudonymous IDs and must survive (CONTRACT §4), and the privacy area's own records.
KEPT_TABLES = {("identity", "id_history"), ("identity", "resolution_runs")}
KEPT_SCHEMAS = {"privacy", "meta"}
_PHONE_COLUMN = re.compile(r"phone|mobile", re.IGNORECASE)
_PAYLOAD_COLUMN = re.compile(r"payload", re.IGNORECASE)
_FREE_TEXT_COLUMN = re.compile(r"content|detail|body|note|subject|response|message|error|reason", re.IGNORECASE)
# Columns that name a source's own customer or contact ID, unprefixed.
_SOURCE_ID_COLUMN = re.compile(r"(^|_)(customer|contact)(_id|__id|_ids)$|^source_record_id$|^customer_record_id$")
# The same inside a payload, by the field's path: `$.customer_id`, `$.customer.id`, `$.contact_ids[0]`.
_SOURCE_ID_PATH = r"(^|\.)(customer|contact)(_id|_ids)?(\[[0-9]+\])*$|(customer|contact)s?(\[[0-9]+\])*\.id$"
# An email address in free text, as a whole: what `identity.normalize_email` accepts, in any case, but a quote
# (text quotes addresses more often than addresses hold one).
_EMAIL_IN_TEXT = r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+"


def copy_without(con: duckdb.DuckDBPyConnection, subject: Subject) -> dict[str, int]:
    """Copies every table of `OLD` into `NEW` (`compact.rewriting`) without the subject's rows.

    Returns the rows left out per `schema.table`.
    """
    start_marking(con, subject)
    person_names = {(t.schema, t.name) for t in person_tables(con)}
    by_schema: dict[str, list[Table]] = {}
    for table in tables(con):
        if not table.is_view:
            by_schema.setdefault(table.schema, []).append(table)
    counts: dict[str, int] = {}
    for schema_tables in by_schema.values():
        mark_subject_rows(con, OLD, schema_tables, subject, person_names)
        for table in schema_tables:
            left_out = _marked(con, OLD, table)
            if left_out:
                copy_table(con, table, f"rowid not in ({marked_rows(OLD, table)})")
                counts[f"{table.schema}.{table.name}"] = left_out
            else:
                copy_table(con, table)
    return counts


def start_marking(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """Makes the connection's tables of the subject's identifiers, and an empty one of marked rows."""
    _register_tokens(con, subject)
    con.execute("create or replace temp table privacy_rows (table_ref varchar, row_id bigint)")


def mark_subject_rows(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    schema_tables: list[Table],
    subject: Subject,
    person_names: set[tuple[str, str]],
) -> None:
    """Marks the subject's rows of one schema's tables of `catalog` (`person_names` names the sources' person tables
    and their staging copies) and their dlt relatives; `marked_rows` gives each table's marked `rowid`s."""
    person_names = person_names | {(f"{s}_staging", n) for s, n in person_names}
    searched = [t for t in schema_tables if _may_hold_people(t)]
    for table in searched:
        _mark_rows(con, catalog, table, _clauses(table, subject, (table.schema, table.name) in person_names))
    _mark_dlt_relatives(con, catalog, [t for t in searched if "_dlt_id" in t.columns])


def marked_rows(catalog: str, table: Table) -> str:
    """The query of the `rowid`s of `table` (of `catalog`) that `mark_subject_rows` marked."""
    return f"select row_id from {_marks_of(catalog, table)}"


def _may_hold_people(table: Table) -> bool:
    return (
        not table.name.startswith("_dlt")
        and table.schema not in KEPT_SCHEMAS
        and (table.schema, table.name) not in KEPT_TABLES
    )


def _literal(catalog: str, table: Table) -> str:
    # By catalogue too: a Spark home's copied sources have the names of the warehouse's tables they copy.
    return "'" + f"{catalog}.{table.ref}".replace("'", "''") + "'"


def _marks_of(catalog: str, table: Table) -> str:
    return f"privacy_rows where table_ref = {_literal(catalog, table)}"


def _marked(con: duckdb.DuckDBPyConnection, catalog: str, table: Table) -> int:
    return int(con.execute(f"select count(distinct row_id) from {_marks_of(catalog, table)}").fetchall()[0][0])


def _mark_rows(con: duckdb.DuckDBPyConnection, catalog: str, table: Table, clauses: list[str]) -> None:
    """Adds the rows of `table` matching any clause to `privacy_rows`.

    One scan per clause, united, reads only the column each clause names; one scan with the clauses joined by `or`
    reads them all and took twice as long.
    """
    if "rowid" in table.columns:
        raise ValueError(f"{table.ref} has a column named rowid, which hides the row number rows are marked by")
    if clauses:
        scans = " union ".join(f"select rowid from {catalog}.{table.ref} where {clause}" for clause in clauses)
        con.execute(f"insert into privacy_rows select {_literal(catalog, table)}, rowid from ({scans})")


def _register_tokens(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    identifiers = subject.customer_ids | subject.record_ids | subject.emails | subject.phones | subject.linked_ids
    strong = {v.strip().lower() for v in identifiers}
    con.execute("create or replace temp table privacy_strong (token varchar)")
    con.execute("create or replace temp table privacy_digits (token varchar)")
    con.execute("create or replace temp table privacy_emails (token varchar)")
    con.execute("create or replace temp table privacy_records (source_system varchar, source_record_id varchar)")
    _fill(con, "privacy_strong", [[v] for v in sorted(strong) if v])
    _fill(con, "privacy_digits", [[d] for d in sorted(subject.phone_digits())])
    _fill(con, "privacy_emails", [[e] for e in sorted(subject.emails)])
    _fill(con, "privacy_records", [list(r) for r in sorted(subject.records)])


def _fill(con: duckdb.DuckDBPyConnection, table: str, rows: list[list[str]]) -> None:
    if rows:
        placeholders = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({placeholders})", rows)


def _source_of(table: Table) -> str | None:
    """The source system a table belongs to: its raw schema (`source_of_raw_schema`) or `stg_<s>__` name."""
    source = source_of_raw_schema(table.schema)
    if source:
        return source
    match = re.match(r"stg_([a-z0-9]+)__", table.name)
    return match.group(1) if match else None


def _clauses(table: Table, subject: Subject, is_person_table: bool) -> list[str]:
    source = _source_of(table)
    clauses: list[str] = []
    for column in table.text_columns():
        c = quote(column)
        clauses.append(f"lower(trim({c})) in (select token from privacy_strong)")
        if _PHONE_COLUMN.search(column):
            clauses.append(f"regexp_replace({c}, '[^0-9]', '', 'g') in (select token from privacy_digits)")
        if _PAYLOAD_COLUMN.search(column) or table.columns[column] == "JSON":
            clauses.append(_payload_clause(c, source if source and subject.bare_ids(source) else None))
        elif _FREE_TEXT_COLUMN.search(column):
            clauses.append(
                f"list_has_any(regexp_extract_all(lower({c}), '{_EMAIL_IN_TEXT}'), "
                "(select coalesce(list(token), []) from privacy_emails))"
            )
    if source and subject.bare_ids(source):
        id_columns = [c for c in table.columns if _SOURCE_ID_COLUMN.search(c)]
        if is_person_table and "id" in table.columns:
            id_columns.append("id")
        if "value" in table.columns and re.search(r"contact|customer", table.name):
            id_columns.append("value")
        for column in id_columns:
            clauses.append(f"{_bare_id(f'cast({quote(column)} as varchar)')} in ({_source_ids(source)})")
    if {"source_system", "source_record_id"} <= table.columns.keys():
        clauses.append(
            "(source_system, cast(source_record_id as varchar)) in "
            "(select source_system, source_record_id from privacy_records)"
        )
    return clauses


def _payload_clause(column: str, source: str | None) -> str:
    """A raw record (JSON text) holds one of the subject's identifiers as a field's whole value."""
    leaf = "(leaf.atom ->> '$')"
    matches = [
        f"lower(trim({leaf})) in (select token from privacy_strong)",
        f"(regexp_matches(leaf.key, 'phone|mobile', 'i') "
        f"and regexp_replace({leaf}, '[^0-9]', '', 'g') in (select token from privacy_digits))",
    ]
    if source:
        matches.append(
            f"(regexp_matches(leaf.fullkey, '{_SOURCE_ID_PATH}') and {_bare_id(leaf)} in ({_source_ids(source)}))"
        )
    return (
        f"case when json_valid({column}) then exists (select 1 from json_tree({column}) as leaf "
        f"where leaf.atom is not null and ({' or '.join(matches)})) else false end"
    )


def _bare_id(text: str) -> str:
    """The ID a person record keeps, of an ID column or payload value: a global ID (Shopify's
    `gid://shopify/Customer/<id>`) names the record by its last part."""
    return f"regexp_replace({text}, '^gid://[^/]+/[^/]+/', '')"


def _source_ids(source: str) -> str:
    return f"select source_record_id from privacy_records where source_system = '{source}'"


def _dlt_links(table: Table) -> list[str]:
    return [c for c in ("_dlt_id", "_dlt_root_id", "_dlt_parent_id") if c in table.columns]


def _mark_dlt_relatives(con: duckdb.DuckDBPyConnection, catalog: str, linked: list[Table]) -> None:
    """Adds to `privacy_rows` the dlt relatives of the marked rows of one schema's dlt tables (`linked`): their
    roots and all the descendants of those."""
    con.execute("create or replace temp table privacy_doomed (id varchar)")
    for table in (t for t in linked if _marked(con, catalog, t)):
        up = [c for c in ("_dlt_root_id", "_dlt_parent_id") if c in table.columns][:1]
        ids = ", ".join([quote("_dlt_id"), *map(quote, up)])
        con.execute(
            f"insert into privacy_doomed select unnest([{ids}]) from {catalog}.{table.ref} "
            f"where rowid in ({marked_rows(catalog, table)})"
        )
    (total,) = con.execute("select count(*) from privacy_doomed").fetchall()[0]
    if not total:
        return
    while True:
        added = 0
        for table in linked:
            down = [c for c in ("_dlt_root_id", "_dlt_parent_id") if c in table.columns]
            if not down:
                continue
            match = " or ".join(f"{quote(c)} in (select id from privacy_doomed)" for c in down)
            (n,) = con.execute(
                f"insert into privacy_doomed select _dlt_id from {catalog}.{table.ref} "
                f"where ({match}) and _dlt_id not in (select id from privacy_doomed)"
            ).fetchall()[0]
            added += n
        if not added:
            break
    for table in linked:
        match = " or ".join(f"{quote(c)} in (select id from privacy_doomed)" for c in _dlt_links(table))
        con.execute(
            f"insert into privacy_rows select {_literal(catalog, table)}, rowid from {catalog}.{table.ref} "
            f"where {match}"
        )
