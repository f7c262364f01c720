"""Identity resolution on Apache Spark (``CDP_ENGINE=spark``, CONTRACT §8): a Spark session with Splink's similarity
functions, and ``SparkConnection``, the few calls of a DuckDB connection that ``blocking``, ``frequencies`` and
``train`` make, run on Spark.

So the SQL of features, blocking keys, frequencies and training is written once, in DuckDB's dialect, and each
statement is translated by ``dialect.to_spark``. A table is a temporary view of a persisted DataFrame in a session of
its own (``SparkSession.newSession``: the same Spark, its own views, functions and settings), so a resolution's
``features`` never meets another's, and closing the connection drops and unpersists all of them.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from identity.dialect import to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

ENGINES = ("duckdb", "spark")


def engine_name(engine: str | None = None) -> str:
    """``engine``, else the ``CDP_ENGINE`` setting, else ``duckdb``."""
    name = (engine or os.environ.get("CDP_ENGINE") or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} (CDP_ENGINE): use one of {', '.join(ENGINES)}")
    return name


def jar_path() -> str:
    """The jar of Splink's Spark similarity functions (``jaro_winkler``, ``damerau_levenshtein``), shipped in its
    wheel: nothing is downloaded."""
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def session() -> SparkSession:
    """The process's active Spark session, else a local one (``CDP_SPARK_MASTER``, default ``local[2]``) with
    Splink's jar. A session made elsewhere must have the jar in ``spark.jars`` (``warehouse.spark`` adds it)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Python workers of this environment, not whatever python3 is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(os.environ.get("CDP_SPARK_MASTER", "local[2]"))
        .appName("cdp-identity")
        .config("spark.jars", jar_path())
        .config("spark.driver.memory", os.environ.get("CDP_SPARK_DRIVER_MEMORY", "2g"))
        # Spark's default of 200 shuffle partitions is 200 tasks per join of a few thousand rows.
        .config("spark.sql.shuffle.partitions", os.environ.get("CDP_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Resolution makes no tables of Spark's catalogue, but a later user of this session might: never in the
        # working directory (Spark's default, `./spark-warehouse`).
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="cdp-identity-spark-"))
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_TABLE = r"create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?table\s+(\w+)"
_CREATE_AS = re.compile(_TABLE + r"\s+as\s+(.*)", re.I | re.S)
_CREATE_COLS = re.compile(_TABLE + r"\s*\((.*)\)", re.I | re.S)
_DROP = re.compile(r"drop\s+table\s+(?:if\s+exists\s+)?(\w+)", re.I | re.S)
_INSERT = re.compile(r"insert\s+into\s+(\w+)\s+(.*)", re.I | re.S)


class _Result:
    """What ``execute`` returns: ``fetchall()``, ``df()`` and ``arrow()`` of a query, as DuckDB's result gives."""

    def __init__(self, frame: DataFrame | None) -> None:
        self.frame = frame

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [] if self.frame is None else [tuple(r) for r in self.frame.collect()]

    def df(self) -> pd.DataFrame:
        return pd.DataFrame() if self.frame is None else self.frame.toPandas()

    def arrow(self) -> Any:
        return None if self.frame is None else self.frame.toArrow()


class SparkConnection:
    """A DuckDB connection's ``execute`` / ``register`` / ``unregister`` / ``close`` on Spark.

    ``execute`` takes the DuckDB SQL of this package: ``create [or replace] [temp] table x as <query>``,
    ``create … table x (<columns>)``, ``insert into x <query>``, ``drop table [if exists] x`` and queries. Tables are
    computed when made and kept, as a DuckDB table is (``store``).
    """

    dialect = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark.newSession()
        # As DuckDB: NULL, not an error, for an array index out of range or a division by zero; size(NULL) is NULL.
        self.spark.conf.set("spark.sql.ansi.enabled", "false")
        self.spark.conf.set("spark.sql.legacy.sizeOfNull", "false")
        self.spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
        self.tables: dict[str, DataFrame] = {}
        self.splink_api()  # registers the jar's functions in this session, for this package's SQL too

    def splink_api(self) -> Any:
        """Splink's ``SparkAPI`` on this connection's session (it registers the jar's similarity functions)."""
        # Splink breaks the lineage of its big intermediate tables by writing parquet under the context's checkpoint
        # folder when there is one; on a session without one, it persists them (memory, then disk).
        has_dir = not self.spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty()
        api = _splink_spark_api()(spark_session=self.spark, break_lineage_method="parquet" if has_dir else "persist")
        if not self.spark.catalog.functionExists("jaro_winkler"):
            raise RuntimeError(f"Splink's Spark functions are missing: start Spark with spark.jars={jar_path()}")
        return api

    def sql(self, duckdb_sql: str) -> DataFrame:
        return self.spark.sql(to_spark(duckdb_sql))

    def execute(self, sql: str) -> _Result:
        text = sql.strip().rstrip(";").strip()
        if m := _CREATE_AS.fullmatch(text):
            self.store(m[1], self.sql(m[2]))
            return _Result(None)
        if m := _CREATE_COLS.fullmatch(text):
            columns = to_spark(f"create table _t ({m[2]})").split("(", 1)[1].rsplit(")", 1)[0]
            self.store(m[1], self.spark.createDataFrame([], schema=columns))
            return _Result(None)
        if m := _DROP.fullmatch(text):
            self.drop(m[1])
            return _Result(None)
        if m := _INSERT.fullmatch(text):
            # DuckDB inserts by position, as union does.
            self.store(m[1], self.spark.table(m[1]).union(self.sql(m[2])))
            return _Result(None)
        if re.match(r"(set|update|copy|create\s+(or\s+replace\s+)?macro)\b", text, re.I):
            raise NotImplementedError(f"not translated for Spark: {text[:60]}")
        return _Result(self.sql(text))

    def store(self, name: str, frame: DataFrame) -> None:
        """Make ``frame`` table ``name``: computed now and kept (memory, then disk), replacing any table of that name.

        A local checkpoint, not ``persist``: a persisted table keeps the plan that made it, so every query over
        ``features`` would carry the forty-odd statements behind it, and Spark's analysis of plans that deep took
        tens of seconds a query (``DeduplicateRelations``). Spark frees a checkpoint's blocks once nothing refers to it.
        """
        frame = frame.localCheckpoint(eager=True)
        self.tables.pop(name, None)
        frame.createOrReplaceTempView(name)
        self.tables[name] = frame

    def drop(self, name: str) -> None:
        self.tables.pop(name, None)
        self.spark.catalog.dropTempView(name)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A pandas frame as table ``name`` (text columns as strings, even when all null)."""
        from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

        def kind(series: pd.Series) -> Any:
            if pd.api.types.is_bool_dtype(series):
                return BooleanType()
            if pd.api.types.is_integer_dtype(series):
                return LongType()
            if pd.api.types.is_float_dtype(series):
                return DoubleType()
            return StringType()

        schema = StructType([StructField(str(c), kind(frame[c]), True) for c in frame.columns])
        clean = frame.astype(object).where(frame.notna(), None)
        self.store(name, self.spark.createDataFrame(clean, schema=schema))

    def unregister(self, name: str) -> None:
        self.drop(name)

    def close(self) -> None:
        """Drop every table of this connection, Splink's too, and free what they hold."""
        for name in list(self.tables):
            self.drop(name)
        for table in self.spark.catalog.listTables():
            if table.isTemporary and table.tableType == "TEMPORARY":
                try:
                    self.spark.catalog.uncacheTable(table.name)
                except Exception:  # not cached: nothing to free
                    pass
                self.spark.catalog.dropTempView(table.name)


def _double_literal(node: Any) -> Any:
    from sqlglot import exp

    if (
        isinstance(node, exp.Cast | exp.TryCast)
        and node.to.is_type("double")
        and isinstance(node.this, exp.Literal)
        and not node.this.is_string
    ):
        return exp.Var(this=f"{node.this.name}D")
    return node


@lru_cache(maxsize=1)
def _splink_spark_api() -> type:
    """Splink's ``SparkAPI``, its SQL written by sqlglot's own Spark dialect.

    Splink's ``SparkAPI`` writes SQL through its ``customspark`` dialect, a subclass of sqlglot's Spark generator. With
    ``sqlglotc`` installed (it is in requirements.lock) sqlglot's classes are compiled, and Python cannot subclass them:
    every query fails with "interpreted classes cannot inherit from compiled". The dialect's one change, a double
    literal written ``0.5D`` rather than a decimal cast to double (decimals stop at 38 digits), is made here on the
    syntax tree instead.
    """
    import sqlglot
    from splink import SparkAPI

    class _SparkAPI(SparkAPI):  # type: ignore[misc]
        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            tree = sqlglot.parse_one(sql, read="spark").transform(_double_literal)
            return tree.sql("spark", pretty=True)

        def _break_lineage_and_repartition(self, spark_df: Any, templated_name: str, physical_name: str) -> Any:
            # Splink persists its big intermediate tables ("persist"), which keeps their plans: EM's queries over the
            # comparison vectors then spent most of their time in Spark's analysis. A local checkpoint of what Splink
            # chose to persist cuts the plan, as "parquet" does without a checkpoint folder.
            out = super()._break_lineage_and_repartition(spark_df, templated_name, physical_name)
            if self.break_lineage_method == "persist" and out.is_cached:
                cut = out.localCheckpoint(eager=True)
                out.unpersist()
                return cut
            return out

    return _SparkAPI


def is_spark(con: Any) -> bool:
    """Whether ``con`` is a :class:`SparkConnection` (else a DuckDB connection)."""
    return getattr(con, "dialect", "duckdb") == "spark"
