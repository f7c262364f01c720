"""Keeping forgotten people out of later loads: a dlt step that turns their records into a bare quarantine row.

A source may still hold a person the CDP has forgotten (the shop keeps its customers). Each record's emails,
phones and person IDs are hashed with the installation's key and compared with `privacy.erased_identifiers`;
a match is replaced by a quarantine row with its source record ID, the keyed hash and reason `erased`, so the
run summary still counts it and no payload or profile ever holds the person again. The rows of a screened record's
child tables (an order's line items) go with it.

The sources hand over arrow tables, a page at a time: a column holds an identifier by its name (its path in the
record, `customer__email`), and each distinct value of such a column is normalised and hashed once per run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from dlt.extract.hints import HintsMeta
from dlt.sources import DltSource

from dlt_sources.common.pages import DLT_ID, DLT_PARENT_ID
from dlt_sources.common.quarantine import QUARANTINE_TABLE, REJECTED, Finding, payload, quarantine_table
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


def _identifiers(source: str, key: str, text: str, is_person_id: bool) -> list[str]:
    """The identifiers a value under `key` stands for, in the normalised form `cdp forget` hashes."""
    if _EMAIL_KEY.search(key) and "@" in text:
        return [e for e in (normalize_email(text), normalize_email(text, canonical_mailbox=False)) if e]
    if _PHONE_KEY.search(key) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        phone = normalize_phone(text)
        return [phone] if phone else []
    if is_person_id:
        # A Shopify global ID names the record by its numeric ID, which is what a person record keeps.
        return [f"{source}:{text.rsplit('/', 1)[-1] if text.startswith('gid://') else text}"]
    return []


def candidates(source: str, record: Any) -> Iterator[str]:
    """Every identifier of `record` (a record as an API sent it) in the normalised form `cdp forget` hashes."""

    def walk(value: Any, key: str, depth: int, in_person: bool) -> Iterator[str]:
        if isinstance(value, dict) and depth < _MAX_DEPTH:
            for inner_key, inner in value.items():
                yield from walk(inner, str(inner_key), depth + 1, bool(_PERSON_KEY.match(key)) or in_person)
        elif isinstance(value, list) and depth < _MAX_DEPTH:
            for inner in value:
                yield from walk(inner, key, depth + 1, in_person)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            is_person_id = (key == "id" and (depth == 1 or in_person)) or bool(_PERSON_KEY.match(key))
            yield from _identifiers(source, key, str(value), is_person_id)

    yield from walk(record, "", 0, False)


def _identifier_columns(table_name: str, entity: str, columns: list[str]) -> list[tuple[str, str, bool]]:
    """(column, the key its values sit under, whether it is a person ID) for every column that may hold an identifier.

    A column's path is its table's (`orders__line_items` → `line_items`) and its own (`customer__id`), split on `__`,
    read as `candidates` reads a record's keys.
    """
    prefix = [] if table_name == entity else table_name.removeprefix(f"{entity}__").split("__")
    found = []
    for column in columns:
        if column.startswith("_dlt"):
            continue
        path = [*prefix, *column.split("__")]
        key = path[-1] if path[-1] != "value" or not prefix else path[-2]
        in_person = any(_PERSON_KEY.match(part) for part in path[:-1])
        is_person_id = (key == "id" and (len(path) == 1 or in_person)) or bool(_PERSON_KEY.match(key))
        if _EMAIL_KEY.search(key) or _PHONE_KEY.search(key) or is_person_id:
            found.append((column, key, is_person_id))
    return found


class _Hasher:
    """The keyed hash of each identifier a value stands for, computed once per distinct value."""

    def __init__(self, source: str, hashes: frozenset[str]) -> None:
        self.source, self.hashes = source, hashes
        self._seen: dict[tuple[str, str, bool], str | None] = {}

    def erased(self, key: str, text: str, is_person_id: bool) -> str | None:
        """The hash that marks `text` as a forgotten person's, or None."""
        memo = (key, text, is_person_id)
        if memo not in self._seen:
            digests = (keyed_hash(i) for i in _identifiers(self.source, key, text, is_person_id))
            self._seen[memo] = next((d for d in digests if d in self.hashes), None)
        return self._seen[memo]


def erased_screen(source: str, entity: str, hashes: frozenset[str]) -> Callable[[Any, Any], Iterator[Any]]:
    """A dlt `yield_map` step: passes the rows of people not forgotten; quarantines the others without payload.

    It runs after the source's own checks, so it also sees their quarantine rows: those of a forgotten person carry
    the record as payload and are replaced too. Child rows follow their parent (the parent comes first).
    """
    hasher = _Hasher(source, hashes)
    screened_ids: set[str] = set()

    def step(item: Any, meta: Any = None) -> Iterator[Any]:
        if not isinstance(item, pa.Table) or not len(item):
            yield item
            return
        table_name = meta.hints.get("table_name") if isinstance(meta, HintsMeta) else None
        table_name = table_name or entity
        if table_name == QUARANTINE_TABLE:
            yield from _screen_quarantine(item, source, hashes)
            return
        digests: list[str | None] = [None] * len(item)
        for column, key, is_person_id in _identifier_columns(str(table_name), entity, item.column_names):
            values = item[column].to_pylist()
            for row, value in enumerate(values):
                if digests[row] is None and isinstance(value, str | int) and not isinstance(value, bool):
                    digests[row] = hasher.erased(key, str(value), is_person_id)
        mask = pa.array([d is not None for d in digests])
        if DLT_PARENT_ID in item.column_names and screened_ids:
            orphans = pc.is_in(item[DLT_PARENT_ID], pa.array(sorted(screened_ids), pa.string()))
            mask = pc.or_(mask, pc.fill_null(orphans, False))
        if not pc.any(mask).as_py():
            yield item
            return
        if DLT_ID in item.column_names:
            screened_ids.update(pc.filter(item[DLT_ID], mask).to_pylist())
        kept = item.filter(pc.invert(mask))
        if len(kept):
            yield kept
        key_column = "id" if "id" in item.column_names else None
        ids = item[key_column].to_pylist() if key_column else [None] * len(item)
        findings = [
            Finding(ids[row], REJECTED, ERASED, payload({"identifier_hash": digests[row]}))
            for row in range(len(item))
            if digests[row] is not None
        ]
        if findings:
            yield quarantine_table(entity, findings)

    return step


def _screen_quarantine(rows: pa.Table, source: str, hashes: frozenset[str]) -> Iterator[Any]:
    """Quarantine rows of forgotten people, replaced by rows holding only the keyed hash."""
    kept, replaced = [], []
    for row in rows.to_pylist():
        digest = next((d for d in map(keyed_hash, candidates(source, _payload(row["payload"]))) if d in hashes), None)
        if digest is None:
            kept.append(row)
        else:
            replaced.append(Finding(row["source_record_id"], REJECTED, ERASED, payload({"identifier_hash": digest})))
    if kept:
        yield pa.Table.from_pylist(kept, schema=rows.schema)
    if replaced:
        yield quarantine_table(rows["entity"][0].as_py(), replaced)


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
