"""Where the CDP keeps its files: `CDP_HOME` and what lives under it, and the dbt project's own output folders."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# What dbt writes into its project folder: logs and compiled SQL that may quote values.
DBT_OUTPUT_DIRS = (DBT_PROJECT_DIR / "logs", DBT_PROJECT_DIR / "target")


def cdp_home() -> Path:
    """All state: warehouse, dlt pipelines, simulator, logs, exports. Created owner-only on first use."""
    home = Path(os.environ.get("CDP_HOME") or REPO_ROOT / ".cdp").resolve()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def warehouse_path() -> Path:
    return cdp_home() / "warehouse.duckdb"


def analytics_path() -> Path:
    return cdp_home() / "analytics.duckdb"


def pipelines_dir() -> Path:
    """dlt's pipeline folders (state, schemas, load packages), one per source."""
    return cdp_home() / "dlt"


def dbt_runs_dir() -> Path:
    """dbt's working folders for this home's builds, and its parse of the project kept between them: the parse names
    this home's warehouse (the profile's path), so it serves this home's next build and no other home's."""
    path = cdp_home() / "dbt"
    path.mkdir(exist_ok=True)
    return path


def logs_dir() -> Path:
    path = cdp_home() / "logs"
    path.mkdir(exist_ok=True)
    return path
