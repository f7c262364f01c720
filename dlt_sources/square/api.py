"""Square's v2 API as the Square resources read it: requests through the source's session, listings page by page,
and the resource that loads a listing's changed records."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import dlt
import pyarrow as pa
import requests
from dlt.sources import DltResource

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.http import checked_json, is_lossy
from dlt_sources.common.pages import (
    MERGE,
    Body,
    Entity,
    Page,
    PageLoader,
    batched,
    listing_page,
    pages_ahead,
    read_bodies,
    record_type,
)
from dlt_sources.common.prefetch import prefetched_together
from dlt_sources.common.slices import TimeRange, earliest_record, time_slices
from dlt_sources.square.settings import LISTING_SLICES


class SquareApi:
    """Square's v2 endpoints through a retrying session (`clock` watches its answers)."""

    def __init__(self, session: requests.Session, clock: SourceClock, base_url: str, access_token: str) -> None:
        self.session, self.clock, self.api = session, clock, f"{base_url.rstrip('/')}/v2/"
        self.headers = {"Authorization": f"Bearer {access_token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[dict[str, Any], bool]:
        response = self.session.request(method, self.api + path, headers=self.headers, **kwargs)
        return checked_json(response), is_lossy(response)

    def pages(
        self, method: str, path: str, key: str, body: dict[str, Any], in_body: bool, entity: Entity
    ) -> Iterator[Page]:
        """Every page of a listing, read into arrow as `entity`'s records (`pages.read_bodies`), fetched a batch
        ahead; the cursor goes where the request's other arguments go."""
        yield from _records([self._bodies(method, path, key, body, in_body)], key, entity, body["limit"])

    def sliced_pages(
        self,
        method: str,
        path: str,
        key: str,
        in_body: bool,
        entity: Entity,
        since: datetime,
        limit: int,
        filters: Sequence[Callable[[datetime, datetime | None], dict[str, Any]]],
    ) -> Iterator[Page]:
        """Every page of the listings from `since` that `filters` ask for, one listing per filter (orders/search takes
        ten locations a request: a chain with more has a listing per ten), as `pages` reads them.

        Each listing's time range is cut into parts (`common/slices.py`), the LISTING_SLICES shared among the listings
        (one at least each), and the parts of every listing are read at the same time, at most LISTING_SLICES at once:
        more would meet Square's rate limit, fewer would leave a chain's later groups waiting for the first.
        `filtered(begin, end)` of `filters`: the request's arguments for the records of [begin, end), or from `begin`
        on without an end."""
        if not filters:
            return
        parts_each = max(1, LISTING_SLICES // len(filters))
        listings = [
            self._bodies(method, path, key, {**filtered(*part), "limit": limit}, in_body)
            for filtered in filters
            for part in self._parts(method, path, key, in_body, filtered, since, parts_each)
        ]
        lanes = [chain(*listings[lane::LISTING_SLICES]) for lane in range(min(len(listings), LISTING_SLICES))]
        yield from _records(lanes, key, entity, limit)

    def _parts(
        self,
        method: str,
        path: str,
        key: str,
        in_body: bool,
        filtered: Callable[[datetime, datetime | None], dict[str, Any]],
        since: datetime,
        parts: int,
    ) -> list[TimeRange]:
        """The listing's time range from `since` cut into up to `parts` parts where its records are."""
        if parts == 1:
            return [(since, None)]  # one part needs no cut: no round trips to find where the records are

        def holds_any(begin: datetime, end: datetime | None) -> bool:
            page, _ = listing_page(self._request(method, path, {**filtered(begin, end), "limit": 1}, in_body), key, {})
            return page.records > 0

        first = earliest_record(holds_any, since, self.clock.now)
        return time_slices(since, first, self.clock.now(), parts) if first else [(since, None)]

    def _request(self, method: str, path: str, arguments: dict[str, Any], in_body: bool) -> requests.Response:
        where = {"json": arguments} if in_body else {"params": arguments}
        return self.session.request(method, self.api + path, headers=self.headers, **where)

    def _bodies(self, method: str, path: str, key: str, body: dict[str, Any], in_body: bool) -> Iterator[Body]:
        # Each page is read only for its cursor here, so the next request goes out at once; arrow reads the records
        # of many pages later, in one go.
        cursor = None
        while True:
            response = self._request(method, path, {**body, **({"cursor": cursor} if cursor else {})}, in_body)
            page, paging = listing_page(response, key, {"cursor": pa.string()})
            yield page
            cursor = paging.get("cursor")
            if not cursor:
                return

    def location_ids(self) -> list[str]:
        data, _ = self.call("GET", "locations")
        return [location["id"] for location in data.get("locations") or []]


def _records(listings: list[Iterator[Body]], key: str, entity: Entity, page_size: int) -> Iterator[Page]:
    # The listings' pages fetched a batch ahead, together, and read into arrow as `entity`'s records.
    shape = record_type(entity.columns, entity.children)
    yield from read_bodies(prefetched_together(listings, pages_ahead(page_size)), key, shape)


def square_time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def square_time_range(begin: datetime, end: datetime | None) -> dict[str, str]:
    """Square's TimeRange of [begin, end); without an end, from `begin` on."""
    return {"start_at": square_time(begin), **({"end_at": square_time(end)} if end else {})}


def incremental(
    entity: Entity, clock: SourceClock, start: datetime, pages: Callable[[datetime], Iterator[Page]]
) -> DltResource:
    """A resource reading the records changed since its cursor, page by page, merged on `id`."""

    @dlt.resource(name=entity.name, primary_key="id", write_disposition=MERGE)
    def load() -> Iterator[Any]:
        cursor = Cursor(dlt.current.resource_state(), initial=start)
        loader = PageLoader(entity, clock, cursor)
        for records, lossy in batched(pages(cursor.start or start)):
            yield from loader.page(records, lossy)

    return load
