"""The one dbt project of the CDP, as Dagster sees it."""

from dagster_dbt import DbtProject

from cdp_orchestration.settings import REPO_ROOT

dbt_project = DbtProject(project_dir=REPO_ROOT / "dbt_project", profiles_dir=REPO_ROOT / "dbt_project")


def ensure_manifest(fresh: bool = False) -> None:
    """Parses the project when its manifest is missing (a fresh clone) or when asked to (each headless run)."""
    if fresh or not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
    else:
        dbt_project.prepare_if_dev()
