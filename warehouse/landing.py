"""The raw tables of the Spark engine: dlt's loads landed as parquet files, read back as its merge would have left them.

On DuckDB, dlt merges each load into the raw tables (`write_disposition="merge"`): a record loaded again replaces its
row, and a parent loaded again replaces all of its children. Plain parquet files cannot be updated, so for Spark each
load's rows are appended as files of their own, stamped with their load ID (`dlt_sources.pipelines.make_pipeline`
with a landing folder), and each raw table is a view that keeps what the merge would have kept:

- of the rows sharing a primary key, the one of the latest load;
- of a child table's rows, only those of the latest load that sent their parent (the merge key): a line item taken
  off an order is gone once the order is loaded again.

The files themselves are an external table `<dataset>__landed.<table>` over the table's folder (columns a later load
added are read as null in earlier files), and the view `<dataset>.<table>` is what dbt's sources name, on both engines
the same schema and table names. Append and replace tables are read as they are (dlt empties a replaced table's folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.spark import files_dir, parquet_table, quoted

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOAD_ID = "_dlt_load_id"
# The suffix of the schema that holds the landed files of a raw schema as external tables.
LANDED_SUFFIX = "__landed"


def landing_dir(home: Path | None = None) -> Path:
    """Where the Spark engine's loads land: `<files_dir>/landing/<raw schema>/<table>/` (`$CDP_HOME/spark/landing/`
    unless `CDP_SPARK_DIR` says otherwise)."""
    return files_dir(home) / "landing"


def landed_files(landing: Path, dataset: str, table: str) -> str | None:
    """The files landed for `<dataset>.<table>` as a DuckDB relation (every load's rows, columns by name); None when
    no load has landed any."""
    folder = landing / dataset / table
    if not any(folder.glob("*.parquet")):
        return None
    files = str(folder / "*.parquet").replace("'", "''")
    return f"read_parquet('{files}', union_by_name = true)"


def current_rows_sql(
    landed: str, columns: Sequence[str], primary_key: Sequence[str], merge_key: Sequence[str] = ()
) -> str:
    """Spark SQL selecting `columns` of the landed rows of `landed` (a table reference) that a merge on `primary_key`,
    replacing by `merge_key`, would have left; every row when there is no primary key (an append or replace table)."""
    selected = ", ".join(quoted(c) for c in columns)
    if not primary_key:
        return f"select {selected} from {landed}"
    by_key = ", ".join(quoted(c) for c in primary_key)
    # Within one load a key arrives once (the loaders send each record once per load); the `_dlt_id` order only makes
    # the pick deterministic should a source ever send one twice.
    tiebreak = ", `_dlt_id` desc" if "_dlt_id" in columns and "_dlt_id" not in primary_key else ""
    ranked = [f"row_number() over (partition by {by_key} order by {quoted(LOAD_ID)} desc{tiebreak}) as `_cdp_rank`"]
    keep = ["`_cdp_rank` = 1"]
    if merge_key:
        by_parent = ", ".join(quoted(c) for c in merge_key)
        ranked.append(f"max({quoted(LOAD_ID)}) over (partition by {by_parent}) as `_cdp_parent_load`")
        keep.append(f"{quoted(LOAD_ID)} = `_cdp_parent_load`")
    return f"select {selected} from (select *, {', '.join(ranked)} from {landed}) as landed where {' and '.join(keep)}"


def register(
    spark: SparkSession,
    landing: Path | str,
    dataset: str,
    table: str,
    primary_key: Sequence[str] = (),
    merge_key: Sequence[str] = (),
) -> bool:
    """Makes `<dataset>.<table>` on `spark` the current rows of the files landed for it under `landing` (see the
    module); False, and nothing made, when no load has landed files for it yet."""
    folder = f"{str(landing).rstrip('/')}/{dataset}/{table}"
    # A local folder is checked here; a cluster's storage (a URL) is Spark's to read.
    if "://" not in str(landing) and not any(Path(folder).glob("*.parquet")):
        return False
    # A column a later load added (a new field of the source) reads as null in the files before it.
    files = parquet_table(spark, dataset + LANDED_SUFFIX, table, folder, merge_schema=True)
    spark.sql(f"create database if not exists {quoted(dataset)}")
    columns = spark.table(files).columns
    spark.sql(f"drop view if exists {quoted(dataset)}.{quoted(table)}")
    spark.sql(
        f"create view {quoted(dataset)}.{quoted(table)} as {current_rows_sql(files, columns, primary_key, merge_key)}"
    )
    return True
