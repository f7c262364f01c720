"""The Dagster definitions of this area."""

from dagster import Definitions
from dagster_dbt import DbtCliResource

from cdp_orchestration.transform.assets import marts, staging_and_intermediate
from cdp_orchestration.transform.project import dbt_project


def defs() -> Definitions:
    return Definitions(
        assets=[staging_and_intermediate(), marts()],
        resources={"dbt": DbtCliResource(project_dir=dbt_project())},
    )
