"""Checks on source records, run over a whole page at once, and the quarantine they go to when they fail.

Two kinds of defect:
- a *rejected* record cannot be used at all (no usable key, no valid timestamp, a negative or non-numeric
  amount): it goes to the source's `quarantine` table only, with its raw payload and the reason;
- a record *loaded with issues* is still usable (say, a customer with an impossible birth date): it is
  loaded as the source sent it, staging nulls the bad value, and the quarantine table keeps a row that
  says what was wrong, so nothing is dropped silently.

A check is a SQL condition over a page's wire table (`tables.build`) with the reason it gives: DuckDB evaluates every
check of a page in one vectorised query, instead of a Python function per record. Text that is not valid Unicode
(bytes that are not UTF-8, kept as surrogate escapes by `http.JsonAsUtf8Response`, or half a surrogate pair sent as a
JSON escape) can only be on a page the strict JSON reader refused; on such a page the texts are repaired record by
record (`repair_texts`): loaded with U+FFFD in their place, the record's quarantine row keeps the original bytes in
`payload_bytes`.

A record's quarantine row is keyed by `quarantine_key` (the record, or its payload when it has no ID, and the reason)
and merged on it: a record sent again with the same defect, or a load replayed after a crash, keeps one row, with
the payload last received.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dlt
import duckdb
import orjson
import pyarrow as pa
from dlt.extract.hints import HintsMeta

QUARANTINE_TABLE = "quarantine"
REJECTED = "rejected"
LOADED_WITH_ISSUES = "loaded_with_issues"

# Deliberately loose: staging does the real email validation; this catches what is plainly not an email (RE2 syntax).
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
# What tills and forms hold when nobody typed a value: empty, not malformed.
_NO_VALUE = r"(?i)[^\pL\pN]*|n/?a|none|null|nil|unknown"
# Names, emails and phones longer than this are not what a person typed.
MAX_IDENTIFIER_LENGTH = 255
# No field a CDP reads needs more; a longer text is a paste accident or an attack, kept but flagged.
MAX_TEXT_LENGTH = 4096
# A code point that cannot stand alone in text: a surrogate escape of an undecodable byte (U+DC80–U+DCFF) or an
# unpaired half of a surrogate pair.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"
_ORIGINAL_BYTES = "cdp.original_bytes"

QUARANTINE_SCHEMA = pa.schema(
    [
        ("quarantine_key", pa.string()),
        ("entity", pa.string()),
        ("source_record_id", pa.string()),
        ("disposition", pa.string()),
        ("reason", pa.string()),
        ("payload", pa.string()),
        ("payload_bytes", pa.binary()),
        ("_dlt_id", pa.string()),
    ]
)
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


@dataclass(frozen=True)
class Check:
    """A defect: `when` (SQL, true for a record that has it), the `reason` it gives (SQL text) and whether it makes
    the record unusable (`fatal`) or only flags it."""

    when: str
    reason: str
    fatal: bool = False


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown(column: str, width: int = 40) -> str:
    """SQL for the value as the reason quotes it (Python's repr of the first `width` characters)."""
    return f"coalesce('''' || left(cast({quoted(column)} as varchar), {width}) || '''', 'None')"


def required_timestamp(column: str) -> Check:
    return Check(
        f"try_cast({quoted(column)} as timestamptz) is null",
        f"{_literal(column + ' is missing or not a timestamp: ')} || {shown(column)}",
        fatal=True,
    )


def optional_timestamp(column: str) -> Check:
    """A time the record may lack; one that is there but is no time is kept as sent and flagged."""
    return Check(
        f"{quoted(column)} is not null and try_cast({quoted(column)} as timestamptz) is null",
        f"{_literal(column + ' is not a timestamp: ')} || {shown(column)}",
    )


def cursor_time(column: str, instant: str) -> list[Check]:
    """The field an incremental cursor follows (`instant`: SQL for it as a UTC time): a time, and not ahead of the
    source's clock (`$clock`, with the skew it allows: `$limit`; see `cursor.py`). A rejected record never moves the
    cursor: the cursor follows loaded records only."""
    return [
        Check(
            f"({instant}) is null",
            f"{_literal(column + ' is missing or not a timestamp: ')} || {shown(column)}",
            fatal=True,
        ),
        Check(
            f"({instant}) > $limit",
            f"{_literal(column + ' ')} || {shown(column)} || ' is ahead of the source''s clock (' || "
            f"strftime($clock, '%Y-%m-%d %H:%M:%S') || ' UTC)'",
            fatal=True,
        ),
    ]


def email(column: str) -> Check:
    c = quoted(column)
    return Check(
        f"{c} is not null and not regexp_full_match(trim({c}), '{_NO_VALUE}') "
        f"and not regexp_full_match(trim({c}), '{_EMAIL}')",
        # The defect, not the value: a reason is published to analysts, an address is personal data.
        _literal(f"{column} is not a valid email address"),
    )


def real_date(column: str) -> Check:
    """A calendar date in ISO form (`1990-02-30` is not one), when there is one."""
    c = quoted(column)
    return Check(
        f"{c} is not null and {c} <> '' and try_cast(left({c}, 10) as date) is null",
        _literal(f"{column} is not a real date"),
    )


def short_texts(*columns: str) -> list[Check]:
    return [
        Check(
            f"length({quoted(c)}) > {MAX_IDENTIFIER_LENGTH}",
            f"{_literal(c + ' is ')} || length({quoted(c)}) || ' characters long'",
        )
        for c in columns
    ]


def amount(column: str, label: str | None = None) -> list[Check]:
    """A money amount, when there is one: a number, not negative."""
    c, label = quoted(column), label or column
    return [
        Check(
            f"{c} is not null and try_cast({c} as double) is null",
            f"{_literal(label + ' is not a number: ')} || {shown(column)}",
            fatal=True,
        ),
        Check(f"try_cast({c} as double) < 0", f"{_literal(label + ' is negative: ')} || {c}", fatal=True),
    ]


def non_negative_number(column: str, label: str | None = None) -> Check:
    """A number that must be there and not below zero (a line's quantity)."""
    c, label = quoted(column), label or column
    return Check(
        f"{c} is null or try_cast({c} as double) is null or try_cast({c} as double) < 0",
        f"{_literal(label + ' is not a non-negative number: ')} || {shown(column)}",
        fatal=True,
    )


def identifier(column: str) -> Check:
    c = quoted(column)
    return Check(
        f"{c} is null or trim(cast({c} as varchar)) = ''",
        _literal(f"{column} is missing or not an identifier"),
        fatal=True,
    )


def long_texts(columns: Sequence[str]) -> list[Check]:
    """Every text longer than any field a CDP reads."""
    return [
        Check(
            f"length({quoted(c)}) > {MAX_TEXT_LENGTH}",
            f"{_literal(c + ' is ')} || length({quoted(c)}) || ' characters long'",
        )
        for c in columns
    ]


class Screener:
    """Runs checks over wire tables in an in-memory DuckDB (one per resource: DuckDB connections are not shared
    between threads)."""

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None

    def run(
        self, wire: pa.Table, checks: Sequence[Check], computed: dict[str, str], clock: datetime, limit: datetime
    ) -> pa.Table:
        """Per row of `wire`, in order: `fatal` and `minor` (lists of reasons) and the `computed` columns (name: SQL);
        `$clock` in the SQL is the source's time, `$limit` the latest time a record may carry."""
        if self._con is None:
            self._con = duckdb.connect()
            # One thread: the loader's other thread is fetching and parsing the next pages meanwhile.
            self._con.execute("set TimeZone = 'UTC'; set threads = 1")
        fatal = ", ".join(f"case when {c.when} then {c.reason} end" for c in checks if c.fatal)
        minor = ", ".join(f"case when {c.when} then {c.reason} end" for c in checks if not c.fatal)
        extra = "".join(f", {sql} as {quoted(name)}" for name, sql in computed.items())
        query = (
            f"select list_filter([{fatal}]::varchar[], lambda x: x is not null) as fatal, "
            f"list_filter([{minor}]::varchar[], lambda x: x is not null) as minor{extra} from wire order by _row"
        )
        parameters = {name: value for name, value in (("clock", clock), ("limit", limit)) if f"${name}" in query}
        self._con.register("wire", wire)
        try:
            return self._con.sql(query, params=parameters or None).to_arrow_table()
        finally:
            self._con.unregister("wire")


def cast(column: str, sql_type: str) -> str:
    """SQL for a column's value as `sql_type`, NULL when it is not one."""
    return f"try_cast({quoted(column)} as {sql_type})"


def _original_byte(error: UnicodeError) -> tuple[bytes, int]:
    """An encoding error handler: a surrogate escape back to the byte it stands for, any other lone surrogate
    as its JSON escape (it arrived as one)."""
    assert isinstance(error, UnicodeEncodeError)
    code = ord(error.object[error.start])
    original = bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}".encode()
    return original, error.start + 1


codecs.register_error(_ORIGINAL_BYTES, _original_byte)


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


def _replace_lone_surrogates(value: Any) -> Any:
    """`value` with U+FFFD for every lone surrogate, in texts and field names, however deep."""
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub(REPLACEMENT_CHARACTER, value)
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_lone_surrogates(inner) for inner in value]
    return value


@dataclass(frozen=True)
class Repair:
    """What was not valid Unicode in a record: the paths of the texts, and the record's bytes as sent."""

    paths: list[str]
    received: bytes

    @property
    def reason(self) -> str:
        return f"not valid UTF-8, loaded with U+FFFD (bytes as sent in payload_bytes): {', '.join(self.paths)}"


def repair_texts(records: list[dict[str, Any]]) -> dict[int, Repair]:
    """Replaces, in place, the records holding text that is not valid Unicode by their repaired copies; returns what
    was repaired per position. Only for a page read leniently (`http.is_lossy`): a page the strict reader took has
    none."""
    repairs: dict[int, Repair] = {}
    for row, record in enumerate(records):
        invalid = [path for path, text in _texts(record) if not text.isascii() and _LONE_SURROGATE.search(text)]
        if invalid:
            received = json.dumps(record, ensure_ascii=False).encode("utf-8", errors=_ORIGINAL_BYTES)
            records[row] = _replace_lone_surrogates(record)
            repairs[row] = Repair(invalid, received)
    return repairs


def payload(record: Any) -> str:
    """A record as the JSON text its quarantine row keeps."""
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(frozen=True)
class Finding:
    """One quarantine row: the record's ID, whether it was rejected or loaded with issues, why, and the record."""

    record_id: Any
    disposition: str
    reason: str
    payload: str
    payload_bytes: bytes | None = None


def quarantine_key(entity: str, finding: Finding) -> str:
    """The key a quarantine row is merged on: the record (its payload when it has no ID) and the reason, as
    `upgrade.upgrade_raw_tables` gives it to rows loaded before."""
    record = finding.payload if finding.record_id is None else str(finding.record_id)
    identity = "\x1f".join((entity, record, finding.reason))
    return hashlib.sha256(identity.encode("utf-8", errors="surrogatepass")).hexdigest()


def quarantine_table(entity: str, findings: Sequence[Finding]) -> Any:
    """The findings as rows of the source's quarantine table (an arrow table marked for it)."""
    table = pa.Table.from_pylist(
        [
            {
                "quarantine_key": quarantine_key(entity, f),
                "entity": entity,
                "source_record_id": None if f.record_id is None else str(f.record_id),
                "disposition": f.disposition,
                "reason": f.reason,
                "payload": f.payload,
                "payload_bytes": f.payload_bytes,
                "_dlt_id": secrets.token_urlsafe(10),
            }
            for f in findings
        ],
        schema=QUARANTINE_SCHEMA,
    )
    return dlt.mark.with_hints(table, _QUARANTINE_HINTS, create_table_variant=True)


def is_quarantine_item(meta: Any) -> bool:
    """True for an item marked for the quarantine table (a later step's `meta`)."""
    return isinstance(meta, HintsMeta) and meta.hints.get("table_name") == QUARANTINE_TABLE
