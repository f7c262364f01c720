"""What needs a person: one finding per problem, in words that carry no personal data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# The kinds of problem, in the order `cdp status` and an alert list them, with the title an alert carries.
KINDS = {
    "night": "the nightly run failed or did not finish",
    "freshness": "a source sent nothing new",
    "quarantine": "quarantine jumped",
    "exports": "exports are failing",
    "identity": "identity resolution moved sharply",
    "disk": "the disk is filling",
}

_EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"\+?\d[\d ().-]{6,}\d")
# Network addresses and dates look like long numbers but say nothing about a person.
_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MD5 = re.compile(r"\b[0-9a-f]{32}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (a key of KINDS), what it is about (a source, a destination, a run; never a person),
    what happened, since when, and the command that shows more."""

    kind: str
    subject: str
    what: str
    since: datetime | None
    command: str

    @property
    def key(self) -> str:
        """The problem's identity across checks: the same key again is the same episode, not news."""
        return f"{self.kind}:{self.subject}"


def redact(text: str) -> str:
    """An error message fit for an alert: emails, phone-like numbers and member hashes (md5 of an email) removed.

    Errors come from sources and destinations, which quote what they refused (a member's address, its hash).
    """
    text = _EMAIL.sub("[email]", text)
    text = _MD5.sub("[id]", text)
    return _LONG_NUMBER.sub(lambda m: m[0] if _DATE.match(m[0]) or _ADDRESS.fullmatch(m[0]) else "[number]", text)
