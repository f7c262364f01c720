"""Keeping forgotten people out of later loads: a dlt step that turns their records into a bare quarantine row.

A source may still hold a person the CDP has forgotten (the shop keeps its customers). Each record's emails,
phones and person IDs are hashed with the installation's key and compared with `privacy.erased_identifiers`;
a match is replaced by a quarantine row with its source record ID, the keyed hash and reason `erased`, so the
run summary still counts it and no payload or profile ever holds the person again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from dlt.sources import DltSource

from dlt_sources.common.quarantine import REJECTED, quarantine_row
from identity.normalize import normalize_email, normalize_phone
from privacy.person import MIN_PHONE_DIGITS
from privacy.store import erased_hashes
from warehouse import connect, keyed_hash, warehouse_path

ERASED = "erased"
_EMAIL_KEY = re.compile(r"email|recipient", re.IGNORECASE)
_PHONE_KEY = re.compile(r"phone|mobile", re.IGNORECASE)
# Keys that hold a source's own customer or contact ID: the record's `id` in person resources is one too.
_PERSON_KEY = re.compile(r"^(customer|contact)(_id|_ids|s)?$|^(associated_)?contacts?(_ids)?$", re.IGNORECASE)
_MAX_DEPTH = 4


def load_erased_hashes() -> frozenset[str]:
    """The keyed hashes of every erased identifier, read once per run (none before the first run)."""
    path = warehouse_path()
    if not path.exists():
        return frozenset()
    with connect(read_only=True) as con:
        return erased_hashes(con)


def candidates(source: str, record: Any) -> Iterator[str]:
    """Every identifier of `record` in the normalised form `cdp forget` hashes."""

    def walk(value: Any, key: str, depth: int, in_person: bool) -> Iterator[str]:
        if isinstance(value, dict) and depth < _MAX_DEPTH:
            for inner_key, inner in value.items():
                yield from walk(inner, str(inner_key), depth + 1, bool(_PERSON_KEY.match(key)) or in_person)
        elif isinstance(value, list) and depth < _MAX_DEPTH:
            for inner in value:
                yield from walk(inner, key, depth + 1, in_person)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value)
            if _EMAIL_KEY.search(key) and "@" in text:
                yield from (e for e in (normalize_email(text), normalize_email(text, canonical_mailbox=False)) if e)
            elif _PHONE_KEY.search(key) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
                phone = normalize_phone(text)
                if phone:
                    yield phone
            elif (key == "id" and (depth == 1 or in_person)) or _PERSON_KEY.match(key):
                yield f"{source}:{text}"

    yield from walk(record, "", 0, False)


def erased_screen(source: str, entity: str, hashes: frozenset[str]) -> Callable[[Any, Any], Iterator[Any]]:
    """A dlt `yield_map` step: passes records of people not forgotten; quarantines the others without payload.

    It runs after the source's own checks, so it also sees their quarantine rows (`meta` set): those of a forgotten
    person carry the record as payload and are replaced too.
    """

    def step(record: Any, meta: Any = None) -> Iterator[Any]:
        if isinstance(record, dict):
            is_quarantine_row = meta is not None and isinstance(record.get("payload"), str)
            inner = _payload(record["payload"]) if is_quarantine_row else record
            record_id = record.get("source_record_id") if is_quarantine_row else record.get("id")
            for identifier in candidates(source, inner):
                digest = keyed_hash(identifier)
                if digest in hashes:
                    yield quarantine_row(entity, record_id, REJECTED, ERASED, {"identifier_hash": digest})
                    return
        yield record

    return step


def _payload(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}


def screen_source(dlt_source: DltSource, source: str, hashes: frozenset[str] | None = None) -> DltSource:
    """Adds the erased-people screen as the last step of every resource of the source."""
    hashes = load_erased_hashes() if hashes is None else hashes
    if hashes:
        for name, resource in dlt_source.resources.items():
            resource.add_yield_map(erased_screen(source, name, hashes))
    return dlt_source
