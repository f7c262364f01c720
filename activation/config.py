"""The destinations of destinations.yml, checked when loaded so a typo stops the definitions, not a night's sync."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DESTINATIONS_FILE = Path(__file__).with_name("destinations.yml")
KINDS = ("mailchimp", "klaviyo_csv", "google_customer_match", "meta_custom_audience")
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
