"""The Dagster definitions of this area."""

from dagster import Definitions

from cdp_orchestration.resolution.assets import resolve_identities
from cdp_orchestration.resolution.checks import identity_checks


def defs() -> Definitions:
    return Definitions(assets=[resolve_identities], asset_checks=identity_checks)
