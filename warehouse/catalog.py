"""What the warehouse holds, discovered from its catalogue rather than listed, so tables added later are covered."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

TEXT_TYPES = ("VARCHAR", "JSON")
INTEGER_TYPES = ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT")


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: dict[str, str]  # column name → DuckDB type
    is_view: bool

    @property
    def ref(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    def text_columns(self) -> list[str]:
        return [c for c, t in self.columns.items() if t in TEXT_TYPES]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[Table]:
    """Every table and view of the database (of `catalog` when several are attached)."""
    where = "c.table_catalog = ?" if catalog else "c.table_catalog = current_database()"
    params = [catalog] if catalog else []
    rows = con.execute(
        f"""
        select c.table_schema, c.table_name, c.column_name, c.data_type, t.table_type
        from information_schema.columns as c
        join information_schema.tables as t
          on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
        where {where}
        order by c.table_schema, c.table_name, c.ordinal_position
        """,
        params,
    ).fetchall()
    found: dict[tuple[str, str], Table] = {}
    for schema, name, column, data_type, table_type in rows:
        table = found.setdefault((schema, name), Table(schema, name, {}, table_type == "VIEW"))
        table.columns[column] = data_type
    return list(found.values())


def has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether the database in use (not any other attached to the connection) has the table or view."""
    return bool(
        con.execute(
            "select 1 from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    )


def column_names(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> set[str]:
    """The columns of a table or view of the database in use (a published copy may leave personal ones out)."""
    return {
        column
        for (column,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
