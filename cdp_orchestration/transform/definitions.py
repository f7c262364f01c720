"""The Dagster definitions of this area."""

from dagster import Definitions
from dagster_dbt import DbtCliResource

from cdp_orchestration.transform.assets import dbt_marts, dbt_staging_and_intermediate
from cdp_orchestration.transform.project import dbt_project

defs = Definitions(
    assets=[dbt_staging_and_intermediate, dbt_marts],
    resources={"dbt": DbtCliResource(project_dir=dbt_project)},
)
