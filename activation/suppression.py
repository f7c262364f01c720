"""The suppression list: emails and phones never to be contacted, from $CDP_HOME/suppression.csv and destinations.

Values are stored normalised (email trimmed and lower-cased, phone as its digits with country code) so they match
marts.customer_360 whatever way they were typed. Destinations' reports are kept forever; the file is re-read each sync.
An entry `cdp forget` replaced with its keyed hash (`hmac-sha256:email:…`, `privacy.files.suppressed_hash`) is kept
as kind `email_hash` or `phone_hash` and still suppresses whoever holds that email or phone.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from identity.normalize import normalize_phone
from privacy.files import SUPPRESSED_HASH_PREFIX
from warehouse import cdp_home, transaction

FILE_SOURCE = "file"


def suppression_file() -> Path:
    return cdp_home() / "suppression.csv"


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Digits with the country code: E.164 without '+', as customer_360's phone compares (see planning)."""
    e164 = normalize_phone(value, None)
    return re.sub(r"\D", "", e164 or value)


def read_file(path: Path) -> list[tuple[str, str]]:
    """(kind, value) pairs of a CSV with a `value` column (emails and phones mixed) or `email` and `phone` columns."""
    if not path.exists():
        return []
    pairs: set[tuple[str, str]] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            values = [row.get("value", ""), row.get("email", ""), row.get("phone", "")]
            for value in filter(None, values):
                if value.startswith(SUPPRESSED_HASH_PREFIX):
                    kind, _, digest = value.removeprefix(SUPPRESSED_HASH_PREFIX).partition(":")
                    pairs.add((f"{kind}_hash", digest))
                elif "@" in value:
                    pairs.add(("email", normalise_email(value)))
                elif digits := normalise_phone(value):
                    pairs.add(("phone", digits))
    return sorted(pairs)


def refresh_file(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Replaces the file's suppressions with what the file says now (an entry removed from it stops applying)."""
    pairs = read_file(path or suppression_file())
    now = datetime.now(UTC)
    with transaction(con):
        con.execute("delete from exports.suppressed where source = ?", [FILE_SOURCE])
        if pairs:
            con.executemany(
                "insert into exports.suppressed values (?, ?, ?, 'suppression list', ?)",
                [(kind, value, FILE_SOURCE, now) for kind, value in pairs],
            )
    return len(pairs)


def record_reported(con: duckdb.DuckDBPyConnection, destination: str, emails: list[tuple[str, str]]) -> int:
    """Adds (email, reason) pairs a destination reports as unsubscribed, bounced or complained; returns new ones."""
    before = con.sql("select count(*) from exports.suppressed").fetchall()[0][0]
    now = datetime.now(UTC)
    rows = [("email", normalise_email(email), destination, reason, now) for email, reason in emails if email]
    if rows:
        con.executemany("insert or ignore into exports.suppressed values (?, ?, ?, ?, ?)", rows)
    return con.sql("select count(*) from exports.suppressed").fetchall()[0][0] - before
