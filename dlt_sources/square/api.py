"""Square's v2 API as the Square resources read it: requests through the source's session, listings page by page,
and the resource that loads a listing's changed records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
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
from dlt_sources.common.slices import earliest_record, time_slices
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
        filtered: Callable[[datetime, datetime | None], dict[str, Any]],
    ) -> Iterator[Page]:
        """Every page of a listing from `since`, as `pages` reads them, its time range cut into parts listed at the
        same time (`common/slices.py`). `filtered(begin, end)`: the request's arguments for the records of [begin,
        end), or from `begin` on without an end."""

        def holds_any(begin: datetime, end: datetime | None) -> bool:
            page, _ = listing_page(self._request(method, path, {**filtered(begin, end), "limit": 1}, in_body), key, {})
            return page.records > 0

        first = earliest_record(holds_any, since, self.clock.now)
        parts = time_slices(since, first, self.clock.now(), LISTING_SLICES) if first else [(since, None)]
        listings = [self._bodies(method, path, key, {**filtered(*part), "limit": limit}, in_body) for part in parts]
        yield from _records(listings, key, entity, limit)

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
