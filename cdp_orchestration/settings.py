"""Settings of the orchestration itself (CONTRACT §1): Dagster's instance folder and the simulated population."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse import cdp_home


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
