"""Small HTTP helpers shared by the API modules: JSON answers, cursors, timestamps, orderings."""

from __future__ import annotations

import base64
import binascii
import json
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any, Generic, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response

T = TypeVar("T")
SEQ_BITS = 24  # composite ordering keys are (timestamp << SEQ_BITS) | seq


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None, media_type: str = "application/json"
) -> Response:
    return Response(json_bytes(payload), status_code=status, headers=headers, media_type=media_type)


def json_bytes(payload: Any) -> bytes:
    """The JSON document of ``payload``; text holding surrogate escapes (``malformed.legacy_bytes``) goes out as
    the raw bytes they stand for, not valid UTF-8, as a legacy system sends them. orjson refuses such text."""
    try:
        return orjson.dumps(payload)
    except orjson.JSONEncodeError:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", errors="surrogateescape")


def json_line(payload: Any) -> bytes:
    """:func:`json_bytes` and a newline: a line of a JSONL file."""
    try:
        return orjson.dumps(payload, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return json_bytes(payload) + b"\n"


def encode_cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


def decode_cursor(token: str) -> Any:
    """The payload of a cursor made by :func:`encode_cursor`; ValueError when it is not one."""
    try:
        return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, orjson.JSONDecodeError) as exc:
        raise ValueError(f"invalid cursor {token!r}") from exc


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); ValueError when it is not a JSON object."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError("request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ValueError("request body must be a JSON object")
    return body


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header, or ''."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@cache
def _utc_date(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")


# "THH:MM" of every minute of a day and ":SS" of every second of a minute.
_MINUTES = tuple(f"T{minute // 60:02d}:{minute % 60:02d}" for minute in range(1440))
_SECONDS = tuple(f":{second:02d}" for second in range(60))


def _utc_clock(ts: int) -> str:
    # Formatting is most of what rendering a record costs: the date and the time of day are looked up.
    day, seconds = divmod(ts, 86_400)
    minute, second = divmod(seconds, 60)
    return _utc_date(day) + _MINUTES[minute] + _SECONDS[second]


def iso_utc(ts: int) -> str:
    """2025-03-01T03:00:00Z"""
    return _utc_clock(ts) + "Z"


def iso_utc_ms(ts: int) -> str:
    """2025-03-01T03:00:00.000Z"""
    return _utc_clock(ts) + ".000Z"


def iso_offset(ts: int, offset_seconds: int) -> str:
    """2025-03-01T10:00:00+07:00"""
    return datetime.fromtimestamp(ts, timezone(timedelta(seconds=offset_seconds))).isoformat()


def parse_time(value: str | int | float) -> int:
    """Epoch seconds from ISO 8601 (naive means UTC) or epoch milliseconds, the fraction dropped; ValueError
    otherwise."""
    return math.floor(parse_instant(value))


def parse_instant(value: str | int | float) -> float:
    """`parse_time` with the fraction of the second kept: a range's bound compared with the world's whole seconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        return int(value) / 1000
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class Ordering(Generic[T]):
    """Items sorted by (timestamp, seq) with composite integer keys for range lookups by bisection."""

    def __init__(
        self, items: Sequence[T], key: Callable[[T], int], seq: Callable[[T], int], presorted: bool = False
    ) -> None:
        pairs = [((key(item) << SEQ_BITS) | seq(item), item) for item in items]
        if not presorted:
            pairs.sort(key=lambda pair: pair[0])
        self.keys = [k for k, _ in pairs]
        self.items = [item for _, item in pairs]

    def position(self, ts: int | None, after_key: int | None, descending: bool) -> int:
        """Index to start scanning from: after the cursor key if any, else at the time bound ``ts``."""
        if after_key is not None:
            return bisect_left(self.keys, after_key) - 1 if descending else bisect_right(self.keys, after_key)
        if ts is None:
            return len(self.items) - 1 if descending else 0
        return (
            bisect_left(self.keys, (ts + 1) << SEQ_BITS) - 1 if descending else bisect_left(self.keys, ts << SEQ_BITS)
        )

    def scan(self, start: int, descending: bool) -> Iterator[tuple[int, T]]:
        """(key, item) from ``start`` on, in the chosen direction."""
        if descending:
            for i in range(start, -1, -1):
                yield self.keys[i], self.items[i]
        else:
            for i in range(start, len(self.items)):
                yield self.keys[i], self.items[i]


def take(
    rows: Iterator[tuple[int, T]],
    accept: Callable[[T], bool] | None,
    limit: int,
    stop_key: int | None = None,
    descending: bool = False,
) -> tuple[list[T], int | None, bool]:
    """Up to ``limit`` accepted items; returns (items, key of the last one, whether more follow)."""
    page: list[T] = []
    last_key: int | None = None
    for key, item in rows:
        if stop_key is not None and (key < stop_key if descending else key >= stop_key):
            break
        if accept is not None and not accept(item):
            continue
        if len(page) == limit:
            return page, last_key, True
        page.append(item)
        last_key = key
    return page, last_key, False
