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
from dlt_sources.common.prefetch import prefetched


class SquareApi:
    """Square's v2 endpoints through a retrying session."""

    def __init__(self, session: requests.Session, base_url: str, access_token: str) -> None:
        self.session, self.api = session, f"{base_url.rstrip('/')}/v2/"
        self.headers = {"Authorization": f"Bearer {access_token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[dict[str, Any], bool]:
        response = self.session.request(method, self.api + path, headers=self.headers, **kwargs)
        return checked_json(response), is_lossy(response)

    def pages(
        self, method: str, path: str, key: str, body: dict[str, Any], in_body: bool, entity: Entity
    ) -> Iterator[Page]:
        """Every page of a listing, read into arrow as `entity`'s records (`pages.read_bodies`), fetched a batch
        ahead; the cursor goes where the request's other arguments go."""
        listing = self._bodies(method, path, key, body, in_body)
        shape = record_type(entity.columns, entity.children)
        yield from read_bodies(prefetched(listing, pages_ahead(body["limit"])), key, shape)

    def _bodies(self, method: str, path: str, key: str, body: dict[str, Any], in_body: bool) -> Iterator[Body]:
        # Each page is read only for its cursor here, so the next request goes out at once; arrow reads the records
        # of many pages later, in one go.
        cursor = None
        while True:
            arguments = {**body, **({"cursor": cursor} if cursor else {})}
            where = {"json": arguments} if in_body else {"params": arguments}
            response = self.session.request(method, self.api + path, headers=self.headers, **where)
            page, paging = listing_page(response, key, {"cursor": pa.string()})
            yield page
            cursor = paging.get("cursor")
            if not cursor:
                return

    def location_ids(self) -> list[str]:
        data, _ = self.call("GET", "locations")
        return [location["id"] for location in data.get("locations") or []]


def square_time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


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
