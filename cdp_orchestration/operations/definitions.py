"""The Dagster definitions of this area: the alerting sensors."""

from dagster import Definitions

from cdp_orchestration.operations.sensors import operations_sensors


def defs() -> Definitions:
    return Definitions(sensors=operations_sensors)
