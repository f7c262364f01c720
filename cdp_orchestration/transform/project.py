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


# What dbt writes into the project folder; everything else there is the project itself.
_DBT_OUTPUT_FOLDERS = ("target", "logs", "dbt_packages")


def ensure_manifest(fresh: bool = False) -> None:
    """Parses the project when asked to (each headless run) or when its manifest is missing (a fresh clone) or
    older than a file of the project: Dagster builds its dbt assets and checks from the manifest, and one that
    lacks a new model or test fails the run when dbt reports it."""
    if fresh or _manifest_is_stale():
        dbt_project.preparer.prepare(dbt_project)
    else:
        dbt_project.prepare_if_dev()


def _manifest_is_stale() -> bool:
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    # dbt's own output (thousands of files under target/) is never walked: this runs each time definitions load.
    sources = [entry for entry in Path(dbt_project.project_dir).iterdir() if entry.name not in _DBT_OUTPUT_FOLDERS]
    files = [p for entry in sources for p in ([entry] if entry.is_file() else entry.rglob("*")) if p.is_file()]
    return any(path.stat().st_mtime > parsed_at for path in files)
