"""`analytics.duckdb`: a consistent copy of the warehouse, published at the end of each successful run.

DuckDB lets one process write a file or several read it, never both: analysts read this copy while the
nightly run writes `warehouse.duckdb`. It is written beside the old copy and renamed over it, so a reader
sees the last night or this one, never half of each. The copy uses the storage version the DuckDB CLI on the
package registry can open (shared/STACK.md).
"""

import os
import time

import duckdb
from dagster import AssetKey, MaterializeResult, asset

from cdp_orchestration.settings import analytics_path, warehouse_path
from cdp_orchestration.transform.assets import dbt_marts

# The oldest storage version the analysts' tools open; duckdb 2.0 writes a newer one by default.
ANALYTICS_STORAGE_VERSION = "v1.5.0"
# Load bookkeeping of dlt: of no use to analysts.
SKIPPED_TABLE_PREFIX = "_dlt_"


def publish_copy() -> dict[str, int]:
    """Copies every schema and table of the warehouse into a fresh analytics file and swaps it in."""
    target = analytics_path()
    staging_file = target.with_suffix(".publishing.duckdb")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{warehouse_path()}' as warehouse (read_only)")
        con.execute(f"attach '{staging_file}' as analytics (storage_version '{ANALYTICS_STORAGE_VERSION}')")
        tables = con.sql("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = 'warehouse' order by table_schema, table_name
        """).fetchall()
        for schema, table in tables:
            if table.startswith(SKIPPED_TABLE_PREFIX):
                continue
            con.execute(f'create schema if not exists analytics."{schema}"')
            # Views become tables: the copy must not depend on the warehouse it came from.
            con.execute(f'create table analytics."{schema}"."{table}" as select * from warehouse."{schema}"."{table}"')
            counts[f"{schema}.{table}"] = con.sql(f'select count(*) from analytics."{schema}"."{table}"').fetchall()[0][
                0
            ]
        con.execute("detach analytics")
        con.execute("detach warehouse")
    os.chmod(staging_file, 0o640)
    os.replace(staging_file, target)
    return counts


@asset(
    key=AssetKey(["analytics_copy"]),
    deps=list(dbt_marts.keys),
    group_name="publish",
    pool="warehouse",
    description="Read-only copy of the warehouse for analysts (analytics.duckdb), swapped in atomically.",
)
def analytics_copy() -> MaterializeResult:
    started = time.perf_counter()
    counts = publish_copy()
    return MaterializeResult(
        metadata={
            "path": str(analytics_path()),
            "tables": len(counts),
            "customers": counts.get("marts.customer_360", 0),
            "publish_seconds": round(time.perf_counter() - started, 2),
        }
    )
