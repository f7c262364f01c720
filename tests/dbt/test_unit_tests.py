"""The dbt project's unit tests (`unit_tests:` in the models' YAML), which the nightly build leaves out as dbt advises
for production: run here once, on a copy of the session's warehouse, whose built models give dbt the column types of
each unit test's inputs (the tests read none of its rows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import cdp_environment
from warehouse.paths import DBT_PROJECT_DIR


def test_every_unit_test_of_the_dbt_project_passes(home_copy: Path) -> None:
    target = home_copy / "dbt_unit_tests"
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), "test", "--select", "test_type:unit", "--target-path", str(target)]
    result = subprocess.run(
        [*command, "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **cdp_environment(home_copy)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    declared = json.loads((target / "manifest.json").read_text())["unit_tests"]
    ran = json.loads((target / "run_results.json").read_text())["results"]
    assert declared, "the project declares unit tests"
    assert {r["unique_id"]: r["status"] for r in ran} == dict.fromkeys(declared, "pass")
