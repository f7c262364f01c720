"""The dbt project's unit tests (`unit_tests:` in the models' YAML), which the nightly build leaves out as dbt advises
for production: run here once, on a copy of the session's warehouse, whose built models give dbt the column types of
each unit test's inputs (the tests read none of its rows)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_dbt


def test_every_unit_test_of_the_dbt_project_passes(home_copy: Path) -> None:
    target = home_copy / "dbt_unit_tests"
    run_dbt(home_copy, target, "test", "--select", "test_type:unit", timeout=600)
    declared = json.loads((target / "manifest.json").read_text())["unit_tests"]
    ran = json.loads((target / "run_results.json").read_text())["results"]
    assert declared, "the project declares unit tests"
    assert {r["unique_id"]: r["status"] for r in ran} == dict.fromkeys(declared, "pass")
