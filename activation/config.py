"""The destinations of destinations.yml, checked when loaded so a typo stops the definitions, not a night's sync."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DESTINATIONS_FILE = Path(__file__).with_name("destinations.yml")
KINDS = ("mailchimp", "klaviyo_csv", "google_customer_match", "meta_custom_audience", "direct_mail_csv")
# A letter goes to a home: direct mail always sends one row per household.
HOUSEHOLD_KINDS = ("direct_mail_csv",)
# The share of all customers kept out of every campaign when destinations.yml does not say (`control_group_pct`).
DEFAULT_CONTROL_GROUP_PCT = 5.0
AD_KINDS = ("google_customer_match", "meta_custom_audience")
# Consent to email is not consent to advertising: an ad platform configured with it is a mistake, not a choice.
EMAIL_CONSENT = "email_consent"
# Destination names become table names (exports.<name>_state) and folder names.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ExportError(RuntimeError):
    """A destination cannot take the export (a refused API key, a wrong URL, a service failing every request): its
    settings or the service need attention, and the message says which setting."""


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    segments: tuple[str, ...]
    consent: str
    fields: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def is_api(self) -> bool:
        """API destinations receive differences; the others a full snapshot per sync."""
        return self.kind == "mailchimp"

    @property
    def per_household(self) -> bool:
        """One recipient per household (`one_per_household: true`, always for direct mail)."""
        return self.kind in HOUSEHOLD_KINDS or bool(self.options.get("one_per_household"))

    @property
    def state_table(self) -> str:
        return f"exports.{self.name}_state"


def load_destinations(path: Path = DESTINATIONS_FILE, known_segments: set[str] | None = None) -> list[Destination]:
    """Every destination of the file; with `known_segments`, a segment no dbt model declares is an error."""
    raw = yaml.safe_load(path.read_text()) or {}
    destinations = []
    for name, spec in (raw.get("destinations") or {}).items():
        if not _NAME.match(name):
            raise ValueError(f"{path}: destination name {name!r} must be lower-case letters, digits and _")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"{path}: destination {name} has kind {kind!r}; expected one of {', '.join(KINDS)}")
        if not spec.get("consent"):
            raise ValueError(
                f"{path}: destination {name} must name its consent column (consent: email_consent, or ads_consent "
                "for ad platforms)"
            )
        if kind in AD_KINDS and spec["consent"] == EMAIL_CONSENT:
            raise ValueError(
                f"{path}: destination {name} sends an ad audience but names {EMAIL_CONSENT}; email consent does not "
                "cover advertising: use consent: ads_consent"
            )
        segments = tuple(spec.get("segments") or ())
        unknown = sorted(set(segments) - known_segments) if known_segments is not None else []
        if unknown:
            raise ValueError(f"{path}: destination {name} sends segments no dbt model declares: {', '.join(unknown)}")
        options = {k: v for k, v in spec.items() if k not in ("kind", "segments", "consent", "fields", "description")}
        destinations.append(
            Destination(
                name=name,
                kind=kind,
                segments=segments,
                consent=spec["consent"],
                fields=dict(spec.get("fields") or {}),
                options=options,
                description=spec.get("description", ""),
            )
        )
    return destinations


CONTROL_GROUP_ENV = "CDP_CONTROL_GROUP_PCT"


def control_group_pct(path: Path = DESTINATIONS_FILE) -> float:
    """The share (percent) of all customers kept out of every campaign: `CDP_CONTROL_GROUP_PCT` when set (0 turns the
    control group off), else `control_group_pct` of the file."""
    setting = os.environ.get(CONTROL_GROUP_ENV, "").strip()
    if setting:
        try:
            share: Any = float(setting)
        except ValueError:
            share = setting
        where = CONTROL_GROUP_ENV
    else:
        share = (yaml.safe_load(path.read_text()) or {}).get("control_group_pct", DEFAULT_CONTROL_GROUP_PCT)
        where = f"{path}: control_group_pct"
    if not isinstance(share, int | float) or not 0 <= share < 100:
        raise ValueError(f"{where} must be a share in percent from 0 to under 100, not {share!r}")
    return float(share)
