"""Apache Spark beside the embedded DuckDB store (`CDP_ENGINE=spark`, CONTRACT §8): the session's settings, the
store's tables Spark reads as sources, and Spark's tables the store reads back.

On Spark the work that grows with the business runs on Spark: the raw loads (landed as parquet, warehouse/landing.py),
every dbt model, identity resolution. The embedded DuckDB file (`$CDP_HOME/warehouse.duckdb`) keeps what is small and
written one row at a time: identity's IDs and history, the predictions, segment history, export and privacy
bookkeeping. Those tables are dbt sources: `copy_sources` copies them to parquet that Spark reads under the same names.
And every table dbt builds on Spark is a view of the same name in the store over Spark's parquet files (`serve`), so
the steps that run on one machine (segments' history, exports, the analytics copy, the console, analysts' SQL) read
Spark's tables without a copy.

Everything Spark keeps lives under `$CDP_HOME/spark/`: its warehouse of dbt's tables (`warehouse/`), the Hive
metastore (`metastore/`, an embedded Derby database that names those tables across processes), its scratch space,
the landed loads (`landing/`) and the copied sources (`raw/<schema>/<table>/`).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.paths import cdp_home

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# DuckDB types whose parquet form Spark cannot read (or reads as bytes): copied as text or a wider number.
_AS_TEXT = {"JSON", "UUID", "TIME", "TIME WITH TIME ZONE", "INTERVAL", "BIT", "BLOB"}
_AS_DECIMAL = ("HUGEINT", "UHUGEINT", "UBIGINT")
ENGINES = ("duckdb", "spark")
# The file in `$CDP_HOME/spark/` that records where the home's Spark files are (`files_dir`).
FILES_DIR_RECORD = "files_dir"


def engine() -> str:
    """`duckdb` (the default) or `spark`: the engine dbt builds the models on."""
    return os.environ.get("CDP_ENGINE", "duckdb").strip().lower() or "duckdb"


def home_engine(home: Path | None = None) -> str | None:
    """The engine this home's first night recorded (`claim_home`); None before its first night."""
    home = home or cdp_home()
    if (home / "engine").exists():
        return (home / "engine").read_text().strip()
    # A warehouse without the record is older than it: every night ran on DuckDB then.
    return "duckdb" if (home / "warehouse.duckdb").exists() else None


def claim_home(home: Path | None = None) -> str:
    """This home's engine, recorded by its first night (`$CDP_HOME/engine`); a night on the other engine is refused:
    each keeps its raw data elsewhere (DuckDB's tables, Spark's landed files), so a switch would start from nothing."""
    chosen = engine()
    if chosen not in ENGINES:
        raise ValueError(f"CDP_ENGINE={chosen!r} is not an engine: use one of {', '.join(ENGINES)}")
    home = home or cdp_home()
    recorded = home_engine(home) or chosen
    marker = home / "engine"
    if not marker.exists():  # the first night, or a home older than the record (home_engine: DuckDB's)
        marker.write_text(recorded + "\n")
    if recorded != chosen:
        raise RuntimeError(
            f"{home} was built with CDP_ENGINE={recorded}, not {chosen}: its raw data is {recorded}'s. "
            f"Run with CDP_ENGINE={recorded}, or set CDP_HOME to another folder for {chosen}."
        )
    return chosen


def spark_dir(home: Path | None = None) -> Path:
    """The driver's own Spark folder of a home: metastore, scratch space, dbt's logs (and, by default, `files_dir`)."""
    path = (home or cdp_home()) / "spark"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def files_dir(home: Path | None = None) -> Path:
    """The folder of the files Spark reads and writes: its tables (`warehouse/`), the landed loads (`landing/`) and
    the store's copied sources (`raw/`). `CDP_SPARK_DIR` on a cluster: a folder mounted at the same path on the driver
    and on every executor (NFS, or a FUSE mount of an object store); else `$CDP_HOME/spark`.

    A folder, not a URL: forget and retention rewrite the parquet files holding a person in place (privacy/), through
    the file system. The home records the folder its first Spark night used, so that every later command (a forget
    run without `CDP_SPARK_DIR` set) finds the files there, and a different one is refused."""
    local = spark_dir(home)
    record = local / FILES_DIR_RECORD
    configured = os.environ.get("CDP_SPARK_DIR", "").strip()
    if record.exists():
        recorded = Path(record.read_text().strip())
        if configured and Path(configured) != recorded:
            raise ValueError(
                f"CDP_SPARK_DIR={configured!r}, but this home's Spark files are in {recorded}: unset CDP_SPARK_DIR "
                f"or set it to {recorded} (moving them means moving the folder and this home's {record.name} record)"
            )
        return recorded
    if not configured:
        return local
    if "://" in configured or not Path(configured).is_absolute():
        raise ValueError(
            f"CDP_SPARK_DIR={configured!r}: give the absolute path of a folder every Spark executor mounts at the "
            "same path (an NFS export, a FUSE mount of the object store), not a URL"
        )
    if (local / "landing").exists() or (local / "warehouse").exists():
        raise ValueError(
            f"CDP_SPARK_DIR={configured!r}, but this home's Spark files are in {local}: unset CDP_SPARK_DIR, or start "
            "a new CDP_HOME with it"
        )
    path = Path(configured)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    record.write_text(f"{path}\n")
    return path


def session_settings(home: Path | None = None) -> dict[str, str]:
    """The Spark settings of a CDP home (`dbt_project/profiles.yml`'s `spark` output repeats those of the catalog).

    `local[2]` by default: a cluster's master URL (`spark://host:7077`, `yarn`, `k8s://…`) and its resources come from
    `CDP_SPARK_MASTER`, `CDP_SPARK_DRIVER_MEMORY` and `CDP_SPARK_SHUFFLE_PARTITIONS`; its files are in `files_dir`."""
    local = spark_dir(home)
    root = str(files_dir(home))
    return {
        "spark.master": os.environ.get("CDP_SPARK_MASTER", "local[2]"),
        "spark.app.name": "cdp",
        "spark.driver.memory": os.environ.get("CDP_SPARK_DRIVER_MEMORY", "1g"),
        # Spark's default of 200 shuffle partitions is 200 tasks per join on a few thousand rows.
        "spark.sql.shuffle.partitions": os.environ.get("CDP_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.session.timeZone": "UTC",
        # dbt-spark sets it too: invalid casts give NULL as in Spark 3 (DuckDB's try_cast), not an error.
        "spark.sql.ansi.enabled": "false",
        "spark.sql.warehouse.dir": f"{root}/warehouse",
        "spark.sql.catalogImplementation": "hive",
        # Parquet timestamps as UTC microseconds (not Spark's legacy INT96), as DuckDB and pyarrow write and read them.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={local}/metastore;create=true",
        # derby.log and the Hive scratch folders go under the home, never the working directory.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={local}",
        "spark.hadoop.hive.exec.scratchdir": f"{local}/scratch",
        "spark.hadoop.hive.exec.local.scratchdir": f"{local}/scratch",
        "spark.local.dir": f"{local}/tmp",
        # Splink's similarity functions (jaro_winkler, damerau_levenshtein) for identity resolution on this session:
        # the jar its wheel ships, so nothing is downloaded.
        "spark.jars": _splink_jar(),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def _splink_jar() -> str:
    # Asked of Splink here as identity.spark_engine does for its own sessions: warehouse imports no other package.
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def session(home: Path | None = None) -> SparkSession:
    """The process's Spark session for `home` (created on first use; later calls return the same one)."""
    import sys

    from pyspark.sql import SparkSession

    # Python UDFs run in worker processes of this environment, not whatever `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_settings(home).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # PySpark logs each failed statement with its whole JVM stack trace; the caller (dbt) reports the error itself.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark


def copy_sources(
    spark: SparkSession, tables: Iterable[tuple[str, str]], warehouse: Path, home: Path | None = None
) -> list[str]:
    """Copies each `(schema, table)` of the DuckDB file `warehouse` that exists there to parquet under
    `$CDP_HOME/spark/raw/<schema>/<table>/` and (re)registers it in Spark as `<schema>.<table>`; returns the names
    copied. Tables missing from DuckDB are left missing on Spark too (dbt's optional sources stand in for them)."""
    raw = files_dir(home) / "raw"
    copied = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, data_type))
        for schema, table in sorted(set(tables)):
            if (schema, table) not in columns:
                # Gone from DuckDB (or never there): no copy of an earlier night may stand in for it.
                if spark.catalog.databaseExists(schema):
                    spark.sql(f"drop table if exists `{schema}`.`{table}`")
                shutil.rmtree(raw / schema / table, ignore_errors=True)
                continue
            folder = raw / schema / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, mode=0o700)
            select = ", ".join(_readable(column, data_type) for column, data_type in columns[(schema, table)])
            con.execute(
                f'copy (select {select} from "{schema}"."{table}") to \'{folder}/data.parquet\' (format parquet)'
            )
            parquet_table(spark, schema, table, folder)
            copied.append(f"{schema}.{table}")
    finally:
        con.close()
    return copied


def quoted(name: str) -> str:
    """`name` as a Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def parquet_table(spark: SparkSession, schema: str, table: str, folder: Path | str, merge_schema: bool = False) -> str:
    """(Re)registers the parquet files in `folder` as the table `<schema>.<table>` on `spark` and returns its reference.
    `merge_schema`: files written at different times may hold different columns (one missing reads as null)."""
    ref = f"{quoted(schema)}.{quoted(table)}"
    spark.sql(f"create database if not exists {quoted(schema)}")
    spark.sql(f"drop table if exists {ref}")
    options = " options (mergeSchema 'true')" if merge_schema else ""
    spark.sql(f"create table {ref} using parquet{options} location '{folder}'")
    return ref


def _readable(column: str, data_type: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    if data_type.upper() in _AS_TEXT:
        return f"cast({quoted} as varchar) as {quoted}"
    if data_type.upper() in _AS_DECIMAL:
        return f"cast({quoted} as decimal(38, 0)) as {quoted}"
    return quoted


def location(spark: SparkSession, schema: str, table: str) -> str | None:
    """Where the files of Spark's table `<schema>.<table>` are: a local path, or the URL of a cluster's storage; None
    for a view (it has no files: Spark computes it when read)."""
    rows = spark.sql(f"describe formatted {quoted(schema)}.{quoted(table)}").collect()
    found = next((row.data_type for row in rows if row.col_name == "Location"), None)
    return found.removeprefix("file:") if found else None


def serve(con: duckdb.DuckDBPyConnection, spark: SparkSession, tables: Iterable[tuple[str, str]]) -> list[str]:
    """Makes each of Spark's tables `(schema, table)` a view of the same name in the DuckDB store `con`, reading its
    parquet files where Spark keeps them (read again at every query: a table Spark rebuilds is read as rebuilt);
    returns the names served. Spark's views (dbt's staging models) are not served: their SQL is Spark's, and what the
    store's steps read is built as tables."""
    served = []
    for schema, table in sorted(set(tables)):
        found = location(spark, schema, table)
        if found is None:
            continue
        folder = found.rstrip("/")
        if "://" in folder or any(Path(folder).glob("*.parquet")):
            files = f"{folder}/*.parquet"
        else:
            # A table made without a query and given no rows (an empty seed) has no file yet: its columns from Spark.
            files = str(spark_dir() / "empty" / f"{schema}.{table}.parquet")
            Path(files).parent.mkdir(exist_ok=True)
            import pyarrow.parquet as pq

            pq.write_table(spark.table(f"{quoted(schema)}.{quoted(table)}").limit(0).toArrow(), files)
        con.execute(f'create schema if not exists "{schema}"')
        escaped = files.replace("'", "''")
        con.execute(f'create or replace view "{schema}"."{table}" as select * from read_parquet(\'{escaped}\')')
        served.append(f"{schema}.{table}")
    return served
