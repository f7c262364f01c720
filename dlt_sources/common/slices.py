"""A listing's time range cut into parts that are listed at the same time.

A listing pages by cursor: each page names the next, so its requests go one after another, and over a real wire each
waits a round trip (Square's loyalty events come 30 a page: 17,000 requests at 100,000 customers). Where the API
filters a listing by a time range, the range is cut into parts, each listed by its own cursor, all at once.

The parts are cut where the records are, not from the load's start (the year 2000 on a first load): the earliest
record is found by asking whether a range holds any record (one record a request), halving the range each time. The
span from it to the source's clock is cut into equal parts; the first part starts at the load's start and the last
has no end, so every record the whole range holds is in a part.

Each boundary falls half a millisecond past a whole millisecond. No record stamped to the second or the millisecond
lies on one, so a record is in exactly one part whether the API's range ends are inclusive or exclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

# Halvings of the span before the earliest record: it is then known to 1/128 of the span (9 requests with the two
# that bound it), which unbalances the parts by at most that much.
HALVINGS = 7
_HALF_MILLISECOND = 500

TimeRange = tuple[datetime, datetime | None]


def earliest_record(
    holds_any: Callable[[datetime, datetime | None], bool], start: datetime, now: Callable[[], datetime]
) -> datetime | None:
    """A time no later than the earliest record from `start` on, and less than 1/128 of the span to `now()` before
    it; None when no record is there before `now()`. `holds_any(begin, end)`: whether the listing of [begin, end)
    holds a record (no end: from `begin` on); `now` is read after the first question, which sets the source's clock.
    """
    if not holds_any(start, None):
        return None
    low, high = start, now()
    if high <= low or not holds_any(low, high):
        return None
    for _ in range(HALVINGS):
        middle = low + (high - low) / 2
        if holds_any(low, middle):
            high = middle
        else:
            low = middle
    return low


def time_slices(start: datetime, first: datetime, end: datetime, parts: int) -> list[TimeRange]:
    """[start, no end) cut into up to `parts` ranges, the span from `first` to `end` into equal ones."""
    width = (end - first) / parts
    cuts = sorted({_between_milliseconds(first + width * index) for index in range(1, parts)})
    cuts = [cut for cut in cuts if cut > start]
    ends: list[datetime | None] = [*cuts, None]
    return list(zip([start, *cuts], ends, strict=True))


def _between_milliseconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) + timedelta(microseconds=_HALF_MILLISECOND)
