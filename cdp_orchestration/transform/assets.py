"""dbt models as assets, in two selections around identity resolution.

Staging and intermediate models build the person records identity resolution reads; the marts read the
customer IDs it writes. Two `@dbt_assets` over the one project keep that order in one lineage.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSeverity, AssetExecutionContext, AssetsDefinition, MaterializeResult
from dagster_dbt import DbtCliResource, dbt_assets

from cdp_orchestration.transform import spark
from cdp_orchestration.transform.project import dbt_project
from cdp_orchestration.transform.translator import CdpDbtTranslator
from warehouse import dbt_runs_dir, logs_dir
from warehouse.spark import engine

# The models directly in models/intermediate/ feed identity; those of its customer/ folder (customer_360 by concern)
# and of models/identity/ (web client IDs stitched to customers) read identity's customer ids, so they are built with
# the marts.
BEFORE_IDENTITY = "resource_type:seed path:models/staging path:models/intermediate/*.sql path:models/quarantine"
AFTER_IDENTITY = "path:models/identity path:models/intermediate/customer path:models/marts"


# The models' unit tests check the SQL, not the night's data: they run in `make test` (tests/dbt/test_unit_tests.py),
# not each night, as dbt advises for production builds.
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "none"]
PARTIAL_PARSE = "partial_parse.msgpack"  # dbt's own file name for its parse of the project


def build(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    """`dbt build` of the step's selection; dbt's own output goes to a log file under CDP_HOME, not the terminal.

    dbt parses only what changed since this home's last build: its parse is kept in the home, not in the project's
    target folder, whose parse a night into another home (a test, a second installation) would have made."""
    log_file = logs_dir() / f"dbt-{context.run.run_id[:8]}-{context.op_def.name}.log"
    context.log.info(f"dbt build; its output is in {log_file}")
    runs = dbt_runs_dir()
    kept_parse = runs / PARTIAL_PARSE
    target = Path(tempfile.mkdtemp(prefix=f"{context.op_def.name}-", dir=runs))
    if kept_parse.exists():
        shutil.copy(kept_parse, target / PARTIAL_PARSE)
    with log_file.open("a") as log, contextlib.redirect_stdout(log):
        invocation = dbt.cli(NIGHTLY_BUILD, context=context, target_path=target)
        try:
            yield from invocation.stream()
            if (target / PARTIAL_PARSE).exists():
                os.replace(target / PARTIAL_PARSE, kept_parse)
                kept_parse.chmod(0o600)  # as all under CDP_HOME; dbt wrote it over a copy of the project's own
        finally:
            # Each invocation writes its own folder of compiled SQL and results (megabytes, sometimes quoting
            # values); once Dagster has read it, nothing needs it again.
            shutil.rmtree(target, ignore_errors=True)


def build_on_spark(context: AssetExecutionContext, select: str, exclude: str | None) -> Iterator:
    """The step's `dbt build` on Spark, in this process (transform/spark.py says why), its output in a log file.

    The whole step's selection is built even when Dagster asked for part of it (a subset in `dagster dev`): dbt's
    own selection is the step's, so every model it builds is current."""
    log_file = logs_dir() / f"dbt-{context.run.run_id[:8]}-{context.op_def.name}.log"
    context.log.info(f"dbt build on Spark; its output is in {log_file}")
    with log_file.open("a") as log, contextlib.redirect_stdout(log):
        tests = spark.build_step(select, exclude)
    # A multi-asset reports its assets upstream first.
    deps = context.assets_def.asset_deps
    selected = context.selected_asset_keys
    order = TopologicalSorter({key: deps.get(key, set()) & selected for key in sorted(selected)}).static_order()
    for key in order:
        yield MaterializeResult(asset_key=key, metadata={"engine": "spark"})
    for check in sorted(context.selected_asset_check_keys):
        status = tests.get(check.name, "not run")
        yield AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=status == "pass",
            severity=AssetCheckSeverity.WARN if status == "warn" else AssetCheckSeverity.ERROR,
            metadata={"status": status},
        )


def dbt_step(
    name: str, select: str, translator: CdpDbtTranslator | None = None, exclude: str | None = None
) -> AssetsDefinition:
    """One `dbt build` step over a selection of the project, as a multi-asset in the warehouse's pool."""
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        select=select,
        exclude=exclude,
        name=name,
        dagster_dbt_translator=translator or CdpDbtTranslator(),
        pool="warehouse",
    )
    def step(context: AssetExecutionContext, dbt: DbtCliResource):
        if engine() == "spark":
            yield from build_on_spark(context, select, exclude)
        else:
            yield from build(context, dbt)

    return step


@cache
def staging_and_intermediate() -> AssetsDefinition:
    return dbt_step("dbt_staging_and_intermediate", BEFORE_IDENTITY)


@cache
def marts() -> AssetsDefinition:
    return dbt_step("dbt_marts", AFTER_IDENTITY)
