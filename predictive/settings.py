"""The shop's own settings the predictions share with the dbt project, read from it rather than restated."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from warehouse.paths import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Lifecycle:
    """customer_360's lifecycle stages, in days since the first and the last order (dbt_project.yml vars)."""

    new_days: int
    active_days: int
    at_risk_days: int


@cache
def _dbt_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def lifecycle() -> Lifecycle:
    found = _dbt_vars()
    return Lifecycle(found["lifecycle_new_days"], found["lifecycle_active_days"], found["lifecycle_at_risk_days"])


def reporting_currency() -> str:
    return str(_dbt_vars()["reporting_currency"])
