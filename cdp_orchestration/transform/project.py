"""The one dbt project of the CDP, as Dagster sees it."""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from cdp_orchestration.settings import REPO_ROOT

# dagster-dbt calls `dbt` from PATH; make runs .venv/bin/cdp without activating the environment, so put this
# environment's bin first for this process and the ones it starts.
_VENV_BIN = str(Path(sys.executable).parent)
if not os.environ.get("PATH", "").startswith(_VENV_BIN + os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")

# Tests spanning both selections (a mart's relationship to an intermediate model) run with the later one:
# "buildable" takes a test once all its parents are built or being built.
os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")

dbt_project = DbtProject(project_dir=REPO_ROOT / "dbt_project", profiles_dir=REPO_ROOT / "dbt_project")


def ensure_manifest(fresh: bool = False) -> None:
    """Parses the project when its manifest is missing (a fresh clone) or when asked to (each headless run)."""
    if fresh or not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
    else:
        dbt_project.prepare_if_dev()
