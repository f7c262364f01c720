"""The watchdog's thresholds and where alerts go. Every threshold has a default that suits a nightly CDP and an
environment variable that overrides it; the freshness windows are the dbt sources' own (`freshness.warn_after`)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dlt
import yaml

from warehouse.paths import DBT_PROJECT_DIR

SOURCES_YAML = "models/staging/*/_*__sources.yml"
DEFAULT_FRESHNESS = timedelta(days=2)
_PERIODS = {"minute": "minutes", "hour": "hours", "day": "days"}


@dataclass(frozen=True)
class Thresholds:
    """When a fact becomes a finding (see rules.py)."""

    freshness_override: timedelta | None  # CDP_FRESHNESS_HOURS: one window for every source
    night_expected: timedelta  # CDP_NIGHT_EXPECTED_HOURS: a good night at least this often
    night_max: timedelta  # CDP_NIGHT_MAX_HOURS: a night still running after this is stuck
    quarantine_points: float  # CDP_ALERT_QUARANTINE_POINTS: share above the usual one, in percentage points
    export_failed_share: float  # CDP_ALERT_EXPORT_FAILED_SHARE: share of a sync's members that failed
    identity_share_points: float  # CDP_ALERT_IDENTITY_POINTS: move of the share of records merged, in points
    disk_margin_bytes: int  # CDP_ALERT_DISK_MARGIN_GB: free space kept beyond what a night needs

    def freshness_window(self, source: str) -> timedelta:
        return self.freshness_override or source_freshness_windows().get(source, DEFAULT_FRESHNESS)


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def thresholds() -> Thresholds:
    freshness_hours = os.environ.get("CDP_FRESHNESS_HOURS")
    return Thresholds(
        freshness_override=timedelta(hours=_number("CDP_FRESHNESS_HOURS", 0)) if freshness_hours else None,
        night_expected=timedelta(hours=_number("CDP_NIGHT_EXPECTED_HOURS", 26)),
        night_max=timedelta(hours=_number("CDP_NIGHT_MAX_HOURS", 8)),
        quarantine_points=_number("CDP_ALERT_QUARANTINE_POINTS", 5),
        export_failed_share=_number("CDP_ALERT_EXPORT_FAILED_SHARE", 0.05),
        identity_share_points=_number("CDP_ALERT_IDENTITY_POINTS", 10),
        disk_margin_bytes=int(_number("CDP_ALERT_DISK_MARGIN_GB", 1) * 2**30),
    )


def source_freshness_windows(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, timedelta]:
    """source → its `freshness.warn_after` in the dbt sources (the window after which no new data is news)."""
    windows = {}
    for path in sorted(project_dir.glob(SOURCES_YAML)):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources") or []:
            warn_after = (source.get("freshness") or {}).get("warn_after")
            if warn_after:
                period = _PERIODS[warn_after["period"]]
                windows[source["name"]] = timedelta(**{period: warn_after["count"]})
    return windows


def alert_urls() -> list[str]:
    """Where alerts go, as Apprise URLs: `[alerts] urls = [...]` in .dlt/secrets.toml or ALERTS__URLS (a JSON list,
    or URLs separated by spaces or commas). None configured: alerts are only printed."""
    value = dlt.secrets.get("alerts.urls")
    if not value:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = re.split(r"[\s,]+", value)
    if isinstance(value, str):
        value = [value]
    return [str(url).strip() for url in value if str(url).strip()]
