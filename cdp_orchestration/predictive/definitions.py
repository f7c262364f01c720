"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.predictive.assets import customer_predictions
from cdp_orchestration.predictive.checks import predictive_checks


def defs() -> Definitions:
    return Definitions(assets=[customer_predictions], asset_checks=predictive_checks)
