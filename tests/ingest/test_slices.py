"""A listing's time range cut into parts listed at the same time: every planted record in exactly one part, and the
parts' listings read together, each item once, errors raised."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dlt_sources.common.prefetch import prefetched_together
from dlt_sources.common.slices import earliest_record, time_slices

SINCE = datetime(2000, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
# Records stamped to the second and to the millisecond, on the day's edges, two at one instant, one exactly at the
# load's start, one before it (not asked for), one after the source's clock (a clock a little behind the record's).
PLANTED = [
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    SINCE,
    datetime(2019, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2019, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2021, 7, 15, 8, 30, 0, 250_000, tzinfo=UTC),
    datetime(2023, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC),
    *(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=37 * n, milliseconds=n % 1000) for n in range(2_000)),
    datetime(2026, 12, 7, 11, 59, 59, 999_000, tzinfo=UTC),
    NOW,
    NOW + timedelta(seconds=30),
]


def _listing(records: list[datetime], inclusive_end: bool):
    """The records an API with this kind of range end lists for [begin, end), or from `begin` on."""

    def listed(begin: datetime, end: datetime | None) -> list[int]:
        return [
            index
            for index, moment in enumerate(records)
            if moment >= begin and (end is None or moment < end or (inclusive_end and moment == end))
        ]

    return listed


@pytest.mark.parametrize("inclusive_end", [False, True])
def test_every_planted_record_is_in_exactly_one_part(inclusive_end: bool) -> None:
    listed = _listing(PLANTED, inclusive_end)
    first = earliest_record(lambda begin, end: bool(listed(begin, end)), SINCE, lambda: NOW)
    assert first is not None and first <= SINCE  # a record sits at the start itself
    parts = time_slices(SINCE, first, NOW, 4)
    # More records on the cuts themselves, as an API stamps them: to the second and to the millisecond.
    cuts = [begin for begin, _ in parts[1:]]
    on_cuts = [moment.replace(microsecond=moment.microsecond // 1000 * 1000) for moment in cuts]
    records = [*PLANTED, *on_cuts, *(moment.replace(microsecond=0) for moment in cuts)]
    listed = _listing(records, inclusive_end)
    seen = Counter(index for part in parts for index in listed(*part))
    assert set(seen) == {index for index, moment in enumerate(records) if moment >= SINCE}
    assert set(seen.values()) == {1}


def test_the_parts_are_cut_where_the_records_are() -> None:
    # Records only in the last two years of a range that starts in 2000: the parts share those years, not 26.
    recent = [NOW - timedelta(days=day) for day in range(730)]

    def holds_any(begin: datetime, end: datetime | None) -> bool:
        return any(moment >= begin and (end is None or moment < end) for moment in recent)

    first = earliest_record(holds_any, SINCE, lambda: NOW)
    assert first is not None and first <= min(recent)
    parts = time_slices(SINCE, first, NOW, 4)
    counts = [sum(begin <= moment and (end is None or moment < end) for moment in recent) for begin, end in parts]
    assert len(parts) == 4 and sum(counts) == len(recent)
    assert min(counts) >= len(recent) // 8, counts


def test_a_listing_without_records_is_not_cut() -> None:
    assert earliest_record(lambda begin, end: False, SINCE, lambda: NOW) is None
    # Records only after the source's clock: none in [start, now) to cut by.
    assert earliest_record(lambda begin, end: end is None, SINCE, lambda: NOW) is None


def test_a_short_span_gives_no_empty_or_reversed_part() -> None:
    start = NOW - timedelta(microseconds=1_500)
    parts = time_slices(start, start, NOW, 4)
    assert parts[0][0] == start and parts[-1][1] is None
    assert all(end is None or begin < end for begin, end in parts)


def _numbers(first: int, count: int, pause: float = 0.0) -> Iterator[int]:
    for number in range(first, first + count):
        time.sleep(pause)
        yield number


def test_listings_read_together_give_every_item_once() -> None:
    listings = [_numbers(0, 500, 0.0001), _numbers(1_000, 10), _numbers(2_000, 0), _numbers(3_000, 300)]
    items = list(prefetched_together(listings, depth=8))
    assert sorted(items) == [*range(500), *range(1_000, 1_010), *range(3_000, 3_300)]


def test_listings_read_together_are_fetched_at_the_same_time() -> None:
    # Each listing waits at the barrier until every other one has reached it: read one after another, the first
    # would wait alone and break it.
    meeting = threading.Barrier(3, timeout=5)

    def meeting_listing(number: int) -> Iterator[int]:
        meeting.wait()
        yield number

    assert sorted(prefetched_together([meeting_listing(n) for n in range(3)], depth=1)) == [0, 1, 2]


def test_an_error_of_one_listing_is_raised_and_stops_the_others() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ConnectionError("planted")

    before = set(threading.enumerate())
    with pytest.raises(ConnectionError, match="planted"):
        list(prefetched_together([_numbers(0, 10**9), failing()], depth=4))

    def started_here() -> set[threading.Thread]:
        return {thread for thread in threading.enumerate() if thread not in before}

    deadline = time.monotonic() + 5
    while started_here() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not started_here()
