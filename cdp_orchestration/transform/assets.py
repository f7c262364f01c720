"""dbt models as assets, in two selections around identity resolution.

Staging and intermediate models build the person records identity resolution reads; the marts read the
customer IDs it writes. Two `@dbt_assets` over the one project keep that order in one lineage.
"""

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from cdp_orchestration.transform.project import dbt_project, ensure_manifest
from cdp_orchestration.transform.translator import CdpDbtTranslator

ensure_manifest()

BEFORE_IDENTITY = "resource_type:seed path:models/staging path:models/intermediate path:models/quarantine"
AFTER_IDENTITY = "path:models/marts"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=BEFORE_IDENTITY,
    name="dbt_staging_and_intermediate",
    dagster_dbt_translator=CdpDbtTranslator(),
    pool="warehouse",
)
def dbt_staging_and_intermediate(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=AFTER_IDENTITY,
    name="dbt_marts",
    dagster_dbt_translator=CdpDbtTranslator(),
    pool="warehouse",
)
def dbt_marts(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
