"""dbt on Apache Spark (`CDP_ENGINE=spark`, CONTRACT §8): the project's `spark` target built in this process.

dbt-spark's `session` method runs every statement on `SparkSession.builder.getOrCreate()` in the process that runs
dbt, and has no hook to add functions to the session it makes. So the session is made here first (warehouse/spark.py's
settings), the cleaning functions of identity/ are registered on it as Python UDFs (identity/udfs.py, the same
functions DuckDB calls), and dbt runs in-process through `dbtRunner`: its getOrCreate finds that session.

In the night (`build_step`) dbt reads the raw loads as the landed views the ingest step registered
(warehouse/landing.py) and the embedded store's tables (identity, predictions, bookkeeping) copied to parquet; every
model it builds is then served back to the store as a view (`warehouse.spark.serve`). Run as a module, it builds from
a DuckDB night's home instead, every source copied (how tests/spark/test_spark_marts.py compares the two adapters).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dlt_sources.pipelines import SOURCES, raw_schema
from identity.udfs import register_spark
from warehouse import connect
from warehouse.paths import DBT_PROJECT_DIR, cdp_home
from warehouse.spark import copy_sources, serve, session, spark_dir

# As the nightly DuckDB build (cdp_orchestration/transform/assets.py): the unit tests check SQL, not the night's data.
BUILD = ("build", "--exclude-resource-type", "unit_test")


def spark_session() -> Any:
    """This home's Spark session, with identity's cleaning functions registered on it."""
    spark = session()
    register_spark(spark)
    return spark


def dbt(args: Sequence[str]) -> Any:
    """One dbt command on the `spark` target in this process (a `dbtRunnerResult`); its compiled SQL, logs and parse
    go under `$CDP_HOME/spark/dbt/`, never into the repository."""
    from dbt.cli.main import dbtRunner

    spark_session()
    out = spark_dir() / "dbt"
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    return dbtRunner().invoke(
        [
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target", "spark",
            "--target-path", str(out / "target"),
            "--log-path", str(out / "logs"),
        ]
    )  # fmt: skip


def source_tables() -> list[tuple[str, str]]:
    """Every `(schema, table)` the project's sources name."""
    result = dbt(["parse", "--quiet"])
    if not result.success:
        raise RuntimeError(f"dbt parse on Spark failed: {result.exception}")
    return sorted({(source.schema, source.identifier) for source in result.result.sources.values()})


def feed_sources(warehouse: Path | None = None, landed: bool = False) -> list[str]:
    """Copies the DuckDB warehouse's tables that the project's sources name to Spark; returns what was copied.
    `landed`: the raw loads are the landed views already (a Spark night), only the store's own tables are copied."""
    loaders = {raw_schema(source) for source in SOURCES} if landed else set()
    tables = [(schema, table) for schema, table in source_tables() if schema not in loaders]
    return copy_sources(spark_session(), tables, warehouse or cdp_home() / "warehouse.duckdb")


def build_step(select: str, exclude: str | None = None) -> dict[str, str]:
    """One step of the night on Spark: the store's tables fed, `dbt build` of `select` (but `exclude`), and every
    model or seed built served to the store; returns each test's status by its name (dbt's `pass`, `warn`, `fail`,
    …). Raises with dbt's messages when a node failed (what dbt-duckdb's step does through Dagster)."""
    spark = spark_session()
    feed_sources(landed=True)
    args = [*BUILD, "--select", *select.split()]
    if exclude:
        args += ["--exclude", *exclude.split()]
    result = dbt(args)
    nodes = list(result.result or [])  # dbt's run results (none when it failed before running)
    failed = [f"{r.node.name}: {r.message}" for r in nodes if r.status in ("error", "fail", "runtime error")]
    if not result.success or failed:
        raise RuntimeError(
            "dbt build on Spark failed: "
            + ("; ".join(failed[:5]) if failed else str(result.exception))
            + f" (dbt's log: {spark_dir() / 'dbt' / 'logs'})"
        )
    built = [(r.node.schema, r.node.alias) for r in nodes if r.node.resource_type in ("model", "seed")]
    with connect() as con:
        serve(con, spark, built)
    return {r.node.name: str(r.status) for r in nodes if r.node.resource_type == "test"}


def build(args: Sequence[str] = BUILD, warehouse: Path | None = None) -> Any:
    """Feeds the sources from `warehouse` (this home's DuckDB file by default), then `dbt build` on Spark."""
    feed_sources(warehouse)
    return dbt(args)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m cdp_orchestration.transform.spark [dbt arguments]`: feeds this home's DuckDB sources to Spark and
    runs `dbt build` (or the dbt command given) on the `spark` target; exits 0 when dbt succeeded."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    copied = feed_sources()
    fed = time.monotonic()
    print(f"{len(copied)} source tables copied to Spark in {fed - started:.1f} s", flush=True)
    result = dbt(args or BUILD)
    print(f"dbt {' '.join(args or BUILD)} on Spark: {'done' if result.success else 'failed'} in "
          f"{time.monotonic() - fed:.1f} s", flush=True)  # fmt: skip
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
