"""`analytics.duckdb`: a consistent copy of the warehouse, published at the end of each successful run.

DuckDB lets one process write a file or several read it, never both: analysts read this copy while the
nightly run writes `warehouse.duckdb`. It is written beside the old copy and renamed over it, so a reader
sees the last night or this one, never half of each. The copy uses the storage version the DuckDB CLI on the
package registry can open (duckdb 2.0 writes a newer one by default).
"""

import os
import shutil
from pathlib import Path

import duckdb

from privacy.classification import Classification
from privacy.pseudonymise import is_published, select_list
from warehouse import analytics_path, quiet, register_keyed_hash, warehouse_path

# The oldest storage version the analysts' tools open; duckdb 2.0 writes a newer one by default.
ANALYTICS_STORAGE_VERSION = "v1.5.0"
ANALYTICS_GROUP_SETTING = "CDP_ANALYTICS_GROUP"
# Load bookkeeping of dlt: of no use to analysts.
SKIPPED_TABLE_PREFIX = "_dlt_"
# Tables are written in the order of the customer (else the source record) they describe: DuckDB's per-row-group
# min/max then skips most of a large table in a read about one customer (a profile in the console, an analyst's
# `where customer_id = ?`): a tenth of the work on a 100,000-customer timeline.
CLUSTER_KEYS = ("customer_id", "record_id", "record_id_l")


def cluster_order(columns: list[str]) -> str:
    """The `order by` that clusters a table with these columns by its customer or record key (empty if none)."""
    key = next((key for key in CLUSTER_KEYS if key in columns), None)
    return f' order by "{key}"' if key else ""


def publish_copy(classification: Classification, source: Path | None = None) -> dict[str, int]:
    """Copies every published table of the warehouse (`source`, by default the warehouse file) into a fresh
    analytics file and swaps it in; returns rows per table.

    Each column is published as its classification says (hashed, generalised, redacted or left out), raw schemas
    and tables the dbt project does not document are left out, unless CDP_ANALYTICS_PII=full (pseudonymise.py).
    """
    target = analytics_path()
    staging_file = target.with_suffix(".publishing.duckdb")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with quiet(duckdb.connect(":memory:")) as con:
        register_keyed_hash(con)
        # Attached as `warehouse` whatever the file: dbt's views name the warehouse's own catalogue.
        con.execute(f"attach '{source or warehouse_path()}' as warehouse (read_only)")
        con.execute(f"attach '{staging_file}' as analytics (storage_version '{ANALYTICS_STORAGE_VERSION}')")
        tables = con.sql("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = 'warehouse' order by table_schema, table_name
        """).fetchall()
        for schema, table in tables:
            if table.startswith(SKIPPED_TABLE_PREFIX) or not is_published(classification, schema, table):
                continue
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'warehouse' and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            con.execute(f'create schema if not exists analytics."{schema}"')
            # Views become tables: the copy must not depend on the warehouse it came from.
            con.execute(
                f'create table analytics."{schema}"."{table}" as '
                f'select {select_list(classification, schema, table, columns)} from warehouse."{schema}"."{table}"'
                + cluster_order([name for name, _ in columns])
            )
            counts[f"{schema}.{table}"] = con.sql(f'select count(*) from analytics."{schema}"."{table}"').fetchall()[0][
                0
            ]
        con.execute("detach analytics")
        con.execute("detach warehouse")
    _share_with_analysts(staging_file)
    os.replace(staging_file, target)
    return counts


def _share_with_analysts(path: Path) -> None:
    """Owner read-write, group read (the group named by CDP_ANALYTICS_GROUP when set), nobody else."""
    group = os.environ.get(ANALYTICS_GROUP_SETTING)
    if group:
        shutil.chown(path, group=group)
    os.chmod(path, 0o640)
