"""Where the CDP keeps its state, from the environment (CONTRACT §1), with the documented defaults."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("shopify", "square", "hubspot")


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
    return cdp_home() / "dlt"


def dagster_home() -> Path:
    """Dagster's instance folder; a new one gets a `dagster.yaml` that turns Dagster's usage telemetry off."""
    home = Path(os.environ.get("DAGSTER_HOME") or cdp_home() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home


def simulated_people() -> int:
    return int(os.environ.get("CDP_PEOPLE", "5000"))


def simulated_seed() -> int:
    return int(os.environ.get("CDP_SEED", "42"))


def logs_dir() -> Path:
    path = cdp_home() / "logs"
    path.mkdir(exist_ok=True)
    return path
