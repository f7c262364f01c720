"""Incremental cursors kept as UTC instants, and the clock that tells a time from the future.

A cursor is compared as a time, never as the text an API sends: `"N/A"` and `"2999-01-01"` would sort after every real
time and skip every later record, and a time written with another UTC offset (a local time, either side of a
daylight-saving change) sorts by its wall-clock reading, not by the moment it names. Each page is screened first
(`quarantine.cursor_time`): a cursor value that is missing, not a time, or ahead of the source's own clock is rejected
into quarantine; the cursor then follows the typed times of the records loaded, so no rejected value ever moves it.

The cursor lives in the resource's dlt state, committed with the load that carried its records: a load killed midway
resumes from the last committed cursor. Like dlt's own incremental, it asks the source for records at or after the
cursor and keeps the keys of the records loaded at that instant, so a record at the boundary is neither skipped nor
loaded twice. A load that meets a record again in a later version than the one it loaded (the record was edited while
its listing was paged) cannot load that version too: the cursor then stops at it (`hold_at`), and the next load asks
from there.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import requests

# A record may be stamped a little after the `Date` of the answer carrying it: that header has whole seconds, and a
# service's web and database hosts keep slightly different time. Beyond this a time is in the future.
CLOCK_SKEW = timedelta(minutes=1)


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

    def limit(self) -> datetime:
        """The latest time a record can carry: the source's clock and the skew it allows."""
        return self.now() + CLOCK_SKEW


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


class Cursor:
    """The latest instant loaded of a resource and the keys of the records loaded at it, in the resource's state.

    `state` is the resource's dlt state (`dlt.current.resource_state()`); `initial` the start of the first load. What
    a run asks for and skips is fixed when the run starts (`start`, the keys loaded at it); `advance` moves the state.
    """

    def __init__(self, state: dict[str, Any], initial: datetime | None = None) -> None:
        self._state = state.setdefault("cursor", {})
        last = self._state.get("last")
        self.is_first_load = last is None
        self.start: datetime | None = datetime.fromisoformat(last) if last else initial
        self._loaded_at_start = frozenset(self._state.get("keys") or ())
        self._held_at: datetime | None = None

    def unseen(self, instants: pa.Array, keys: pa.Array) -> pa.Array:
        """A mask of the rows to load: none from before the start (a source that cannot filter sends them), none
        loaded before at the start; rows without an instant stay (their screening rejects them)."""
        if self.start is None or len(instants) == 0:
            return pa.array([True] * len(instants))
        instants, keys = _array(instants), _array(keys)
        boundary = pa.scalar(self.start, instants.type)
        fresh = pc.greater_equal(instants, boundary)
        if self._loaded_at_start:
            known = pc.is_in(pc.cast(keys, pa.string()), value_set=pa.array(sorted(self._loaded_at_start), pa.string()))
            fresh = pc.and_(fresh, pc.invert(pc.and_(pc.equal(instants, boundary), known)))
        return pc.fill_null(fresh, True)

    def hold_at(self, instant: datetime) -> None:
        """Keeps the cursor at or before `instant`, a version this load met but did not load: the next load asks from
        it on, and loads again (a merge, so no harm) what this load loaded at it."""
        if self._held_at is not None and self._held_at <= instant:
            return
        self._held_at = instant
        last = self._state.get("last")
        if last is not None and datetime.fromisoformat(last) >= instant:
            self._hold()

    def _hold(self) -> None:
        assert self._held_at is not None
        self._state["last"] = self._held_at.astimezone(UTC).isoformat()
        self._state["keys"] = []

    def advance(self, instants: pa.Array, keys: pa.Array) -> None:
        """Moves the cursor over the loaded rows' instants (UTC timestamps) and keys, up to where it is held."""
        latest = pc.max(instants).as_py() if len(instants) else None
        if latest is None:
            return
        if self._held_at is not None and latest >= self._held_at:
            self._hold()
            return
        last = self._state.get("last")
        current = datetime.fromisoformat(last) if last else None
        if current is not None and latest < current:
            return
        keys_at = pc.cast(pc.filter(keys, pc.equal(instants, pa.scalar(latest, instants.type))), pa.string())
        if current is not None and latest == current:
            self._state["keys"] = sorted(set(self._state.get("keys") or []) | set(keys_at.to_pylist()))
        else:
            self._state["last"] = latest.astimezone(UTC).isoformat()
            self._state["keys"] = sorted(set(keys_at.to_pylist()))
