"""Raw tables loaded before a resource went from append to merge, brought to what the merge load adds to them.

HubSpot's email events and every source's quarantine are merged on a key since a load replayed after a crash
appended them twice. A merge load adds columns dlt declares NOT NULL (the quarantine's `quarantine_key`, and
`_dlt_root_id` in the events' nested tables), which DuckDB cannot add to a table that already holds rows. Adding them
here first, filled, lets the load find them. Idempotent: each column is added where missing and filled where null.
"""

from __future__ import annotations

import duckdb


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str] | None:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows} or None


def upgrade_raw_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Readies the raw tables of `schema` written by append loads for their merge loads."""
    quarantine = _columns(con, schema, "quarantine")
    if quarantine is not None and "quarantine_key" not in quarantine:
        # The key `quarantine.quarantine_row` gives: the record (its payload when it has no ID) and the reason. Of
        # a record quarantined again by later loads, the last row stays, as the merge keeps it from now on.
        table = f"{_quote(schema)}.quarantine"
        con.execute(f"""
            alter table {table} add column quarantine_key varchar;
            update {table}
            set quarantine_key = sha256(entity || chr(31) || coalesce(source_record_id, payload) || chr(31) || reason);
            delete from {table} where _dlt_id in (
                select _dlt_id from {table}
                qualify row_number() over (partition by quarantine_key order by _dlt_load_id desc) > 1);
        """)
    nested = con.execute(
        """select table_name from information_schema.tables
           where table_schema = ? and table_name like 'email\\_events\\_\\_%' escape '\\'
             and table_name not like 'email\\_events\\_\\_%\\_\\_%' escape '\\'""",
        [schema],
    ).fetchall()
    for (table,) in nested:
        columns = _columns(con, schema, table) or set()
        if "_dlt_root_id" not in columns and "_dlt_parent_id" in columns:
            # Nested one level under the event, a row's root is its parent.
            con.execute(f"""
                alter table {_quote(schema)}.{_quote(table)} add column _dlt_root_id varchar;
                update {_quote(schema)}.{_quote(table)} set _dlt_root_id = _dlt_parent_id;
            """)
