"""Raw tables written by older releases of the loaders, brought to what the loaders of this release write.

Two upgrades, both run before a source's load:
- `upgrade_raw_tables`: HubSpot's email events and every source's quarantine are merged on a key since a load replayed
  after a crash appended them twice. A merge load adds columns dlt declares NOT NULL (the quarantine's
  `quarantine_key`, and `_dlt_root_id` in the events' nested tables), which DuckDB cannot add to a table that already
  holds rows. Adding them here first, filled, lets the load find them. Idempotent: each column is added where missing
  and filled where null.
- `reload_for_new_layout`: the loaders used to hand dlt dicts, which dlt normalised itself: nested lists became child
  tables under their parent (`orders__line_items` with `parent: orders`), every row keyed by a row key dlt made up.
  The loaders now hand dlt one arrow table per page and per list, every table top-level with its own `_dlt_id`
  (`common/pages.py`), Shopify's records come from the GraphQL Admin API with other columns, and every cursor is the
  loaders' own (`common/cursor.py`). dlt refuses to load into a schema whose table had another parent, and no
  column-by-column migration would give rows the IDs a fresh load gives them. So a source whose raw schema the
  older loaders wrote is loaded again in full, as a first load. A reload fetches only what the source still serves,
  which may be far less than the raw tables hold (a Shopify app without `read_all_orders` sees 60 days of orders, a
  landing bucket may have pruned old files), so no row of the older tables is deleted: before dlt drops the source's
  tables and cursors (`pipeline_drop`, dlt's own `dlt pipeline drop`), each is moved, as it is, into the kept schema
  `raw_<source>__before_upgrade`, which the user drops once they have checked the reload (`Reload.message`).
  The history tables (`HISTORY_TABLES`), which no source sends again, are set aside beside their tables instead and
  `carry_over_history` merges them into the new tables after the load. A night killed midway finds them set aside
  and carries them over after its next load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
from dlt import Pipeline
from dlt.common.schema import Schema
from dlt.pipeline.helpers import pipeline_drop

from dlt_sources.common.quarantine import QUARANTINE_TABLE, quoted

# Tables the loaders add to night after night that no reload can fill again: quarantined records (and when they
# were quarantined, including people erased since), and Square's consent observations (what each night saw of a
# customer's email preference, which Square keeps no time for). Each with the columns that key a row.
HISTORY_TABLES = {QUARANTINE_TABLE: ("quarantine_key",), "consent_observations": ("customer_id", "observed_at")}
# Where a history table waits during a reload, beside the tables it belongs to.
SET_ASIDE_SUFFIX = "__before_reload"
# The schema after a source's raw schema (`raw_<source>` + this) that keeps its older tables, names unchanged.
KEPT_SCHEMA_SUFFIX = "__before_upgrade"


def kept_schema(dataset: str) -> str:
    """Where the upgrade keeps the older tables of the raw schema `dataset`."""
    return dataset + KEPT_SCHEMA_SUFFIX


def rows_kept(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per kept schema (the older tables of each upgraded source, dlt's own bookkeeping tables aside). No model
    reads them: a night names them until they are dropped, so orders a source no longer serves are not lost
    unnoticed."""
    tables = con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = current_database() and ends_with(schema_name, ?)
             and not starts_with(table_name, '_dlt_')
           order by all""",
        [KEPT_SCHEMA_SUFFIX],
    ).fetchall()
    rows: dict[str, int] = {}
    for schema, table in tables:
        (count,) = con.execute(f"select count(*) from {quoted(schema)}.{quoted(table)}").fetchone()
        rows[schema] = rows.get(schema, 0) + count
    return rows


def source_of_raw_schema(schema: str) -> str | None:
    """The source whose raw records a schema holds: its raw schema `raw_<source>`, dlt's staging copy of it
    (`raw_<source>_staging`) and the older tables an upgrade kept (`raw_<source>__before_upgrade`). None for any
    other schema. Privacy finds a person's rows by the source IDs of the schema's source, kept tables included."""
    if not schema.startswith("raw_"):
        return None
    return schema.removeprefix("raw_").removesuffix("_staging").removesuffix(KEPT_SCHEMA_SUFFIX)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str] | None:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows} or None


def upgrade_raw_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Readies the raw tables of `schema` written by append loads for their merge loads."""
    quarantine = _columns(con, schema, QUARANTINE_TABLE)
    if quarantine is not None and "quarantine_key" not in quarantine:
        # The key `quarantine.quarantine_row` gives: the record (its payload when it has no ID) and the reason. Of
        # a record quarantined again by later loads, the last row stays, as the merge keeps it from now on.
        table = f"{quoted(schema)}.{QUARANTINE_TABLE}"
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
                alter table {quoted(schema)}.{quoted(table)} add column _dlt_root_id varchar;
                update {quoted(schema)}.{quoted(table)} set _dlt_root_id = _dlt_parent_id;
            """)


def normalised_by_dlt(schema: Schema) -> list[str]:
    """Tables of a source's dlt schema that dlt normalised from dicts, as the loaders before the arrow pages had it
    do: nested under a parent table, or keyed by a row key dlt made up. The loaders write neither."""
    return sorted(
        table["name"]
        for table in schema.data_tables(include_incomplete=True)
        if table.get("parent") or table["columns"].get("_dlt_id", {}).get("row_key")
    )


@dataclass(frozen=True)
class Reload:
    """What `reload_for_new_layout` did to a source: the history set aside and the older tables moved into
    `kept_in` (rows per table)."""

    source: str
    set_aside: dict[str, int]
    kept_in: str
    kept: dict[str, int]

    def message(self) -> str:
        history = ", ".join(f"{table} ({rows:,} rows)" for table, rows in self.set_aside.items()) or "none"
        return (
            f"{self.source}: its raw tables were written by an older release of the loaders (dlt's own child tables, "
            f"which the loaders now write as tables of their own). Upgrading: its cursors are reset and this load "
            f"fetches again everything the source still serves, as a first load does; its older tables are kept in "
            f"{self.kept_in} and its history that no source sends again is carried over ({history})."
        )

    def kept_message(self) -> str:
        """Said once the reload succeeded: where the older tables are, and how to drop them once checked."""
        tables = ", ".join(f"{table} ({rows:,} rows)" for table, rows in self.kept.items())
        return (
            f"{self.source}: reloaded. Its older raw tables are kept, untouched, in schema {self.kept_in}: {tables}. "
            "A source may not serve its whole history again (a Shopify app without read_all_orders sees 60 days of "
            f"orders, a landing bucket may have pruned old files): compare them with raw_{self.source}. Once checked, "
            f'drop them with `duckdb $CDP_HOME/warehouse.duckdb "drop schema {self.kept_in} cascade"` '
            "(no night running)."
        )


def reload_for_new_layout(pipeline: Pipeline, connect: Callable[[], duckdb.DuckDBPyConnection]) -> Reload | None:
    """If the older loaders wrote the source's raw schema: sets its history tables aside, moves its other tables into
    the kept schema and drops them and its cursors from dlt's schema and state, so the next load is a full first
    load. None when the schema is the loaders' own."""
    # The schema and state as the warehouse holds them (the pipeline folder may be lost, or older).
    pipeline.sync_destination()
    if not pipeline.default_schema_name:
        return None
    old = normalised_by_dlt(pipeline.default_schema)
    if not old:
        return None
    if pipeline.has_pending_data:
        # A package of the older loaders left by a night that stopped: loaded into the schema it was made for.
        pipeline.run()
    dataset = pipeline.dataset_name
    with connect() as con:
        set_aside = {
            table: _set_aside(con, dataset, table)
            for table in HISTORY_TABLES
            if _columns(con, dataset, table) or _columns(con, dataset, table + SET_ASIDE_SUFFIX)
        }
    drop = pipeline_drop(pipeline, drop_all=True)
    with connect() as con:
        kept = _keep_older_tables(con, dataset, [t for t in drop.info["tables"] if t not in HISTORY_TABLES])
    drop()
    return Reload(pipeline.default_schema_name, set_aside, kept_schema(dataset), kept)


def _keep_older_tables(con: duckdb.DuckDBPyConnection, dataset: str, tables: list[str]) -> dict[str, int]:
    """Moves `tables` of `dataset` as they are into its kept schema, in one transaction; rows kept per table.
    Idempotent: a table moved by a night killed before dlt's drop is found moved, and rows an older release wrote
    since join the kept ones."""
    kept = kept_schema(dataset)
    rows = {}
    with _one_transaction(con):
        con.execute(f"create schema if not exists {quoted(kept)}")
        for table in tables:
            source, target = f"{quoted(dataset)}.{quoted(table)}", f"{quoted(kept)}.{quoted(table)}"
            if _columns(con, dataset, table):
                if _columns(con, kept, table):
                    con.execute(f"insert into {target} by name select * from {source}")
                else:
                    # DuckDB cannot move a table to another schema (`alter table … set schema`): copied, then dropped.
                    con.execute(f"create table {target} as select * from {source}")
                con.execute(f"drop table {source}")
            if _columns(con, kept, table):
                rows[table] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
    return rows


@contextmanager
def _one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements commit together or not at all (dlt_sources sits below `warehouse.transaction`)."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _set_aside(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> int:
    """Moves a history table out of dlt's reach; its rows. Idempotent: rows already set aside stay, and a table written
    since (by an older release run again) joins them."""
    aside = table + SET_ASIDE_SUFFIX
    target, held = f"{quoted(dataset)}.{quoted(table)}", f"{quoted(dataset)}.{quoted(aside)}"
    if not _columns(con, dataset, aside):
        con.execute(f"alter table {target} rename to {quoted(aside)}")
    elif _columns(con, dataset, table):
        con.execute(f"insert into {held} by name select * from {target}")
    return con.execute(f"select count(*) from {held}").fetchall()[0][0]


def carry_over_history(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, int]:
    """History tables set aside by `reload_for_new_layout`, merged into the tables the reload wrote: their rows the
    reload did not bring again (by key), in the columns both have. Rows carried over per table."""
    carried = {}
    for table, key in HISTORY_TABLES.items():
        aside = table + SET_ASIDE_SUFFIX
        aside_columns, columns_now = _columns(con, dataset, aside), _columns(con, dataset, table)
        if not aside_columns:
            continue
        target, source = f"{quoted(dataset)}.{quoted(table)}", f"{quoted(dataset)}.{quoted(aside)}"
        with _one_transaction(con):
            if columns_now:
                columns = ", ".join(quoted(c) for c in sorted(aside_columns & columns_now))
                same_key = " and ".join(f"t.{quoted(c)} = o.{quoted(c)}" for c in key)
                carried[table] = con.execute(
                    f"insert into {target} ({columns}) select {columns} from {source} as o "
                    f"where not exists (select 1 from {target} as t where {same_key})"
                ).fetchall()[0][0]
                con.execute(f"drop table {source}")
            else:
                # The reload brought none of it (no record quarantined this time): the table returns as it was, but
                # for the row key dlt made up, which the loaders do not write; dlt adds what else they write.
                carried[table] = con.execute(f"select count(*) from {source}").fetchall()[0][0]
                con.execute(f"alter table {source} rename to {quoted(table)}")
                if "_dlt_id" in aside_columns:
                    con.execute(f"alter table {target} alter column _dlt_id drop not null")
    return carried
