"""dbt models as assets, in two selections around identity resolution.

Staging and intermediate models build the person records identity resolution reads; the marts read the
customer IDs it writes. Two `@dbt_assets` over the one project keep that order in one lineage.
"""

import contextlib
from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DbtCliResource, dbt_assets

from cdp_orchestration.settings import logs_dir
from cdp_orchestration.transform.project import dbt_project, ensure_manifest
from cdp_orchestration.transform.translator import CdpDbtTranslator

ensure_manifest()


def build(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    """`dbt build` of the step's selection; dbt's own output goes to a log file under CDP_HOME, not the terminal."""
    log_file = logs_dir() / f"dbt-{context.run.run_id[:8]}-{context.op_def.name}.log"
    context.log.info(f"dbt build; its output is in {log_file}")
    with log_file.open("a") as log, contextlib.redirect_stdout(log):
        yield from dbt.cli(["build"], context=context).stream()


def dbt_step(name: str, select: str, translator: CdpDbtTranslator | None = None) -> AssetsDefinition:
    """One `dbt build` step over a selection of the project, as a multi-asset in the warehouse's pool."""

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=select,
        name=name,
        dagster_dbt_translator=translator or CdpDbtTranslator(),
        pool="warehouse",
    )
    def step(context: AssetExecutionContext, dbt: DbtCliResource):
        yield from build(context, dbt)

    return step


BEFORE_IDENTITY = "resource_type:seed path:models/staging path:models/intermediate path:models/quarantine"
AFTER_IDENTITY = "path:models/marts"

dbt_staging_and_intermediate = dbt_step("dbt_staging_and_intermediate", BEFORE_IDENTITY)
dbt_marts = dbt_step("dbt_marts", AFTER_IDENTITY)
