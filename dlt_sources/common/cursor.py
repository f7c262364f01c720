"""Incremental cursors compared as instants, and the clock that tells a time from the future.

dlt's incremental step keeps the greatest cursor value by `last_value_func` (`max` by default), which on the strings
the APIs send is text order: `"N/A"` and `"2999-01-01"` sort after every real time and become the cursor, so every
later record is skipped, and a time written with another UTC offset (a local time, either side of a daylight-saving
change) sorts by its wall-clock reading, not by the moment it names. So every incremental resource uses `latest`, which
compares the values as UTC instants, and screens each record first (`quarantine.check_cursor`): a cursor value that is
missing, not a time, or ahead of the source's own clock is rejected into quarantine and never reaches dlt's cursor.
The value dlt keeps is the one the source sent, so the next request asks the source in its own format.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

# A record may be stamped a little after the `Date` of the answer carrying it: that header has whole seconds, and a
# service's web and database hosts keep slightly different time. Beyond this a time is in the future.
CLOCK_SKEW = timedelta(minutes=1)


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 time (`Z`, an offset, or none, which is taken as UTC) or epoch milliseconds, as an aware UTC
    datetime; None when `value` is not a time."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, UTC)
        moment = datetime.fromisoformat(str(value))
    except (ValueError, OverflowError, OSError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _instant(value: Any) -> datetime:
    moment = parse_instant(value)
    if moment is None:
        # The screening step rejects such records before dlt's incremental step sees them.
        raise ValueError(f"cursor value {value!r} is not a time; it should have been quarantined")
    return moment


def latest(values: Iterable[Any]) -> Any:
    """dlt's `last_value_func` for time cursors: the value naming the latest instant, as the source wrote it (the
    first of equal instants, as `max` does)."""
    return max(values, key=_instant)


def date_header(response: requests.Response) -> datetime | None:
    """The time in an answer's HTTP `Date` header, in UTC; None when it has none or an unreadable one."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


class SourceClock:
    """The source's own time: the latest `Date` header among its answers, kept by a response hook on the session
    that fetches them (the wall clock until an answer has come)."""

    def __init__(self) -> None:
        self._latest: datetime | None = None
        self._lock = threading.Lock()

    @classmethod
    def watching(cls, session: requests.Session) -> SourceClock:
        clock = cls()
        session.hooks["response"].append(clock.observe)
        return clock

    def __deepcopy__(self, memo: dict[int, Any]) -> SourceClock:
        # dlt copies source configurations (and the session in them): every copy must keep reading this one clock.
        return self

    def observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        moment = date_header(response)
        if moment is not None:
            with self._lock:
                if self._latest is None or moment > self._latest:
                    self._latest = moment

    def now(self) -> datetime:
        return self._latest or datetime.now(UTC)
