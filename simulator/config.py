"""Settings, paths and the simulated clock shared by every simulator module."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

DEFAULT_PEOPLE = 5000
DEFAULT_SEED = 42
DEFAULT_MALFORMED = 0.005
DEFAULT_FAULT_TIMEOUT_SECONDS = 3.0

HISTORY_DAYS = 730
"""Days of history before simulated day 0 (2024-06-01 .. 2026-06-01)."""

DAY_SECONDS = 86_400
EPOCH_START = int(datetime(2024, 6, 1, 2, 0, tzinfo=UTC).timestamp())
"""Start of history; simulated day ``d`` ends ("now") at ``EPOCH_START + (HISTORY_DAYS + d) days``."""


def now_ts(day: int) -> int:
    """The simulated clock (epoch seconds) on simulated day ``day``: base date + day days, 02:00 UTC."""
    return EPOCH_START + (HISTORY_DAYS + day) * DAY_SECONDS


def http_date(ts: int) -> str:
    """RFC 7231 ``Date`` header value for epoch seconds ``ts``."""
    return format_datetime(datetime.fromtimestamp(ts, UTC), usegmt=True)


def cdp_home(home: str | os.PathLike[str] | None = None) -> Path:
    """``$CDP_HOME`` (default ``.cdp/`` in the current directory, the repository root)."""
    return Path(home or os.environ.get("CDP_HOME") or ".cdp").resolve()


def simulator_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Folder holding ``state.json``, ``truth.csv``, ``malformed.csv`` and ``mailchimp.json``."""
    path = cdp_home(home) / "simulator"
    path.mkdir(parents=True, exist_ok=True)
    return path


def web_landing_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Where the simulated web shop's collector lands its daily Web Pixels files (``pixels.py``)."""
    return simulator_dir(home) / "web_events"


def web_defects_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Where the simulator keeps the malformed lines of each web events file it landed (its truth, not the
    collector's)."""
    return simulator_dir(home) / "web_event_defects"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


@dataclass(frozen=True, slots=True)
class Tuning:
    """Knobs read from the environment when a server starts."""

    faults: float
    fault_timeout_seconds: float
    malformed: float
    # Shopify's calculated-cost bucket: its size in points and how many it regains per second (Shopify Plus by
    # default; a small bucket makes a test meet THROTTLED answers).
    shopify_bucket: float
    shopify_restore_rate: float
    # Record faults no real service produces (see ``malformed.OPT_IN_DEFECTS``), only when asked for by name.
    malformed_opt_in: frozenset[str] = frozenset()
    random_purchases: bool = False
    """Orders that carry no signal about who buys again (`CDP_RANDOM_PURCHASES=1`), to test the predictions' gate."""
    latency_seconds: float = 0.0
    """How long each answer waits before it is served (`CDP_SIM_LATENCY_MS`): the round trip to a real service, which
    loopback does not have. Requests in flight wait together, as on a real wire."""

    @classmethod
    def from_env(cls) -> Tuning:
        return cls(
            faults=_env_float("CDP_FAULTS", 0.0),
            fault_timeout_seconds=_env_float("CDP_FAULT_TIMEOUT_SECONDS", DEFAULT_FAULT_TIMEOUT_SECONDS),
            malformed=_env_float("CDP_MALFORMED", DEFAULT_MALFORMED),
            shopify_bucket=_env_float("CDP_SHOPIFY_BUCKET", 20_000.0),
            shopify_restore_rate=_env_float("CDP_SHOPIFY_RESTORE_RATE", 1_000.0),
            malformed_opt_in=frozenset(
                name.strip() for name in os.environ.get("CDP_MALFORMED_OPT_IN", "").split(",") if name.strip()
            ),
            random_purchases=os.environ.get("CDP_RANDOM_PURCHASES", "").strip() in ("1", "true"),
            latency_seconds=_env_float("CDP_SIM_LATENCY_MS", 0.0) / 1000,
        )
