"""Checks on source records, and the quarantine they go to when they fail.

Two kinds of defect:
- a *rejected* record cannot be used at all (no usable key, no valid timestamp, a negative or non-numeric
  amount): it goes to the source's `quarantine` table only, with its raw payload and the reason;
- a record *loaded with issues* is still usable (say, a customer with an impossible birth date): it is
  loaded as the source sent it, staging nulls the bad value, and the quarantine table keeps a row that
  says what was wrong, so nothing is dropped silently.

A record's quarantine row is keyed by `quarantine_key` (the record, or its payload when it has no ID, and the reason)
and merged on it: a record sent again with the same defect, or a load replayed after a crash, keeps one row, with
the payload last received.

Text that is not valid Unicode (bytes that are not UTF-8, kept as surrogate escapes by `http.JsonAsUtf8Response`,
or half a surrogate pair sent as a JSON escape) cannot be stored as text: it is loaded with U+FFFD in their place,
and the record's quarantine row keeps the original bytes in `payload_bytes`.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dlt
import orjson
from dlt.extract.hints import HintsMeta

from dlt_sources.common.cursor import CLOCK_SKEW, SourceClock, parse_instant

QUARANTINE_TABLE = "quarantine"
REJECTED = "rejected"
LOADED_WITH_ISSUES = "loaded_with_issues"

# Deliberately loose: staging does the real email validation; this catches what is plainly not an email.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Names, emails and phones longer than this are not what a person typed.
MAX_IDENTIFIER_LENGTH = 255
# No field a CDP reads needs more; a longer text is a paste accident or an attack, kept but flagged.
MAX_TEXT_LENGTH = 4096
# What tills and forms hold when nobody typed a value: empty, not malformed.
_NO_VALUE = re.compile(r"^[\W_]*$|^(n/?a|none|null|nil|unknown)$", re.IGNORECASE)
# A code point that cannot stand alone in text: a surrogate escape of an undecodable byte (U+DC80–U+DCFF) or an
# unpaired half of a surrogate pair.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"
_ORIGINAL_BYTES = "cdp.original_bytes"

_QUARANTINE_HINTS = dlt.mark.make_hints(
    table_name=QUARANTINE_TABLE,
    write_disposition="merge",
    primary_key="quarantine_key",
    merge_key=[],
    columns=[
        {"name": "quarantine_key", "data_type": "text", "nullable": False},
        {"name": "entity", "data_type": "text", "nullable": False},
        {"name": "source_record_id", "data_type": "text", "nullable": True},
        {"name": "disposition", "data_type": "text", "nullable": False},
        {"name": "reason", "data_type": "text", "nullable": False},
        {"name": "payload", "data_type": "text", "nullable": False},
        {"name": "payload_bytes", "data_type": "binary", "nullable": True},
    ],
)


def _original_byte(error: UnicodeError) -> tuple[bytes, int]:
    """An encoding error handler: a surrogate escape back to the byte it stands for, any other lone surrogate
    as its JSON escape (it arrived as one)."""
    assert isinstance(error, UnicodeEncodeError)
    code = ord(error.object[error.start])
    original = bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}".encode()
    return original, error.start + 1


codecs.register_error(_ORIGINAL_BYTES, _original_byte)


def is_valid_date(value: Any) -> bool:
    """A real calendar date in ISO form (`1990-02-30` is not)."""
    try:
        date.fromisoformat(str(value)[:10])
        return True
    except ValueError:
        return False


def as_number(value: Any) -> float | None:
    """The number a money or quantity field holds, whether sent as a number or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


@dataclass
class Findings:
    """What is wrong with one record."""

    fatal: list[str] = field(default_factory=list)
    minor: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.fatal.append(reason)

    def flag(self, reason: str) -> None:
        self.minor.append(reason)


Check = Callable[[dict[str, Any], Findings], None]


def check_required_timestamp(key: str) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        if parse_instant(record.get(key)) is None:
            findings.reject(f"{key} is missing or not a timestamp: {str(record.get(key))[:40]!r}")

    return check


def check_cursor(key: str, clock: SourceClock) -> Check:
    """The field dlt's incremental cursor follows: a time, and not ahead of the source's own clock (`cursor.py`).

    A rejected record never reaches the cursor: the screening step runs before dlt's incremental step.
    """

    def check(record: dict[str, Any], findings: Findings) -> None:
        value = record.get(key)
        moment = parse_instant(value)
        if moment is None:
            findings.reject(f"{key} is missing or not a timestamp: {str(value)[:40]!r}")
        elif moment > (now := clock.now()) + CLOCK_SKEW:
            findings.reject(f"{key} {str(value)[:40]!r} is ahead of the source's clock ({now:%Y-%m-%d %H:%M:%S} UTC)")

    return check


def check_email(key: str) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        value = record.get(key)
        if value is None or (isinstance(value, str) and _NO_VALUE.match(value.strip())):
            return
        if not (isinstance(value, str) and _EMAIL.match(value.strip())):
            # The defect, not the value: a reason is published to analysts, an address is personal data.
            findings.flag(f"{key} is not a valid email address")

    return check


def check_date(key: str) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        value = record.get(key)
        if value not in (None, "") and not is_valid_date(value):
            findings.flag(f"{key} is not a real date")

    return check


def check_short_strings(*keys: str) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        for key in keys:
            value = record.get(key)
            if isinstance(value, str) and len(value) > MAX_IDENTIFIER_LENGTH:
                findings.flag(f"{key} is {len(value)} characters long")
            elif value is not None and not isinstance(value, str):
                findings.flag(f"{key} should be text, got {type(value).__name__}")

    return check


def check_types(**expected: type | tuple[type, ...]) -> Check:
    """Flags fields that arrived with another type than the API documents (dlt keeps them in variant columns)."""

    def check(record: dict[str, Any], findings: Findings) -> None:
        for key, kinds in expected.items():
            value = record.get(key)
            if value is not None and not isinstance(value, kinds):
                findings.flag(f"{key} should be {_type_names(kinds)}, got {type(value).__name__}")

    return check


def _type_names(kinds: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))


def _texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every text in a record, however deep, field names included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield inner_path, key
            yield from _texts(inner, inner_path)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner, f"{path}[]")


def _is_valid_unicode(text: str) -> bool:
    return text.isascii() or not _LONE_SURROGATE.search(text)


def _replace_lone_surrogates(value: Any) -> Any:
    """`value` with U+FFFD for every lone surrogate, in texts and field names, however deep."""
    if isinstance(value, str):
        return value if _is_valid_unicode(value) else _LONE_SURROGATE.sub(REPLACEMENT_CHARACTER, value)
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_lone_surrogates(inner) for inner in value]
    return value


def _original_bytes(record: Any) -> bytes:
    """The record as JSON, with the bytes that were not UTF-8 put back as they came."""
    return json.dumps(record, ensure_ascii=False).encode("utf-8", errors=_ORIGINAL_BYTES)


def check_amount(getter: Callable[[dict[str, Any]], Any], label: str) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        value = getter(record)
        if value is None:
            return
        number = as_number(value)
        if number is None:
            findings.reject(f"{label} is not a number: {str(value)[:40]!r}")
        elif number < 0:
            findings.reject(f"{label} is negative: {value}")

    return check


def check_line_items(key: str, quantity: str, price: Callable[[dict[str, Any]], Any]) -> Check:
    def check(record: dict[str, Any], findings: Findings) -> None:
        for line in record.get(key) or []:
            if not isinstance(line, dict):
                findings.reject(f"{key} holds a {type(line).__name__}, not an object")
                continue
            qty = as_number(line.get(quantity))
            if qty is None or qty < 0:
                findings.reject(f"{key}.{quantity} is not a non-negative number: {line.get(quantity)!r}")
            amount = price(line)
            if amount is not None and (as_number(amount) is None or as_number(amount) < 0):
                findings.reject(f"{key} price is not a non-negative number: {amount!r}")

    return check


def screen(entity: str, id_key: str, checks: list[Check]) -> Callable[[dict[str, Any]], Iterator[Any]]:
    """A dlt `yield_map` step: passes good records, quarantines bad ones with their reasons.

    A record with only minor findings is passed on *and* noted in quarantine. Every text of every record is
    looked at once, for its length and for bytes that were not valid UTF-8.
    """

    def step(record: dict[str, Any]) -> Iterator[Any]:
        findings = Findings()
        received: bytes | None = None
        invalid: list[str] = []
        for path, text in _texts(record):
            if len(text) > MAX_TEXT_LENGTH:
                findings.flag(f"{path} is {len(text)} characters long")
            if not _is_valid_unicode(text):
                invalid.append(path)
        if invalid:
            received = _original_bytes(record)
            record = _replace_lone_surrogates(record)
            findings.flag(f"not valid UTF-8, loaded with U+FFFD (bytes as sent in payload_bytes): {', '.join(invalid)}")
        record_id = record.get(id_key)
        if record_id in (None, "") or isinstance(record_id, (dict, list, bool)):
            findings.reject(f"{id_key} is missing or not an identifier")
        for check in checks:
            check(record, findings)
        if findings.fatal or findings.minor:
            yield quarantine_row(
                entity,
                record_id,
                REJECTED if findings.fatal else LOADED_WITH_ISSUES,
                "; ".join(findings.fatal + findings.minor),
                record,
                received,
            )
        if not findings.fatal:
            yield record

    return step


def is_quarantine_row(meta: Any) -> bool:
    """True for an item a screening step marked for the quarantine table (a later step's `meta`)."""
    return isinstance(meta, HintsMeta) and meta.hints.get("table_name") == QUARANTINE_TABLE


def quarantine_row(
    entity: str, record_id: Any, disposition: str, reason: str, record: Any, received: bytes | None = None
) -> Any:
    """A row for the source's quarantine table, keeping the payload as received (`received`: its original bytes,
    when they were not valid UTF-8)."""
    source_record_id = None if record_id is None else str(record_id)
    payload = orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode()
    identity = "\x1f".join((entity, payload if source_record_id is None else source_record_id, reason))
    return dlt.mark.with_hints(
        {
            "quarantine_key": hashlib.sha256(identity.encode("utf-8", errors="surrogatepass")).hexdigest(),
            "entity": entity,
            "source_record_id": source_record_id,
            "disposition": disposition,
            "reason": reason,
            "payload": payload,
            "payload_bytes": received,
        },
        _QUARANTINE_HINTS,
        create_table_variant=True,
    )
