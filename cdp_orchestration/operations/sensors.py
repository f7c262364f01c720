"""Alerts when runs start from `dagster dev` or its daemon (the schedule): on a failed run at once, and a watchdog
that looks at the whole installation's health every few minutes (sources gone quiet, exports failing, disk)."""

from __future__ import annotations

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from cdp_orchestration.operations.health import check

WATCHDOG_INTERVAL_SECONDS = 15 * 60


def _told(context_log, alerts) -> str:
    for alert in alerts:
        context_log.warning(f"Alert sent: {alert.title}")
    return ", ".join(alert.kind for alert in alerts) or "nothing new"


@run_failure_sensor(
    name="alert_on_run_failure",
    default_status=DefaultSensorStatus.RUNNING,
    description="A failed run of the lineage alerts through Apprise (alerts.urls), once per failure episode.",
)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    _, _, alerts = check(context.instance)
    _told(context.log, alerts)


@sensor(
    name="health_watchdog",
    minimum_interval_seconds=WATCHDOG_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="What `cdp status` reports, checked every 15 minutes; each new problem alerts once.",
)
def health_watchdog(context: SensorEvaluationContext) -> SkipReason:
    _, found, alerts = check(context.instance)
    return SkipReason(f"{len(found)} problem(s) open; alerts sent: {_told(context.log, alerts)}")


operations_sensors = [alert_on_run_failure, health_watchdog]
