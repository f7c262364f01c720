"""Hashed audience files for ad platforms (Google Customer Match, Meta Custom Audiences), one CSV per segment.

Each platform matches SHA-256 hex digests of identifiers normalised its own way, so the rules live here per platform:
Google — email trimmed and lower-cased, dots removed before @gmail.com/@googlemail.com; phone in E.164 with '+'.
Meta — email trimmed and lower-cased; phone as digits only, with the country code.
Who is in a file is decided upstream (planning.py): segment members whose advertising consent (`consent: ads_consent`
in destinations.yml, never email consent) is granted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pandas as pd

from activation.config import Destination
from activation.files import destination_folder, write_csv

_GMAIL = re.compile(r"^(gmail|googlemail)\.com$")


def sha256(value: str | None) -> str:
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def google_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local, _, domain = email.strip().lower().rpartition("@")
    if _GMAIL.match(domain):
        local = local.replace(".", "")
    return f"{local}@{domain}"


def google_phone(phone: str | None) -> str | None:
    digits = _digits(phone)
    return f"+{digits}" if digits else None


def meta_email(email: str | None) -> str | None:
    return email.strip().lower() if email and "@" in email else None


def meta_phone(phone: str | None) -> str | None:
    return _digits(phone) or None


# kind → (header, email rule, phone rule)
PLATFORMS: dict[str, tuple[list[str], Callable[[str | None], str | None], Callable[[str | None], str | None]]] = {
    "google_customer_match": (["Email", "Phone"], google_email, google_phone),
    "meta_custom_audience": (["email", "phone"], meta_email, meta_phone),
}


def write_snapshot(destination: Destination, desired: pd.DataFrame) -> dict[str, int]:
    """One hashed file per segment of the destination; customers with neither identifier are left out upstream."""
    header, email_rule, phone_rule = PLATFORMS[destination.kind]
    folder = destination_folder(destination.name)
    written = {}
    for segment in destination.segments:
        rows = desired[desired["segment"] == segment]
        records = (
            [sha256(email_rule(email)), sha256(phone_rule(phone))]
            for email, phone in zip(rows["email"], rows["phone"], strict=True)
        )
        written[segment] = write_csv(folder / f"{segment}.csv", header, records)
    return written
