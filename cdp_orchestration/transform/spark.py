"""dbt on Apache Spark (`CDP_ENGINE=spark`, CONTRACT §8): the project's `spark` target built in this process.

dbt-spark's `session` method runs every statement on `SparkSession.builder.getOrCreate()` in the process that runs
dbt, and has no hook to add functions to the session it makes. So the session is made here first (warehouse/spark.py's
settings), the cleaning functions of identity/ are registered on it as Python UDFs (identity/udfs.py, the same
functions DuckDB calls), and dbt runs in-process through `dbtRunner`: its getOrCreate finds that session.

The sources dbt reads are, for now, a DuckDB warehouse's tables copied to parquet (`warehouse.spark.copy_sources`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from identity.udfs import register_spark
from warehouse.paths import DBT_PROJECT_DIR, cdp_home
from warehouse.spark import copy_sources, session, spark_dir

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


def feed_sources(warehouse: Path | None = None) -> list[str]:
    """Copies the DuckDB warehouse's tables that the project's sources name (raw loads, and for now also the outputs
    of the identity, predictions and export steps) to Spark; returns what was copied."""
    return copy_sources(spark_session(), source_tables(), warehouse or cdp_home() / "warehouse.duckdb")


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
