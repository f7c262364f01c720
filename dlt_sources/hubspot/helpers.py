"""Paging through HubSpot: object lists, searches past the 10,000-result cap, and the email events API.

Each function yields pages as (objects as the API sends them, whether the page was read leniently: `http.is_lossy`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.http import checked_json, is_lossy
from dlt_sources.common.pages import Body, Page, listing_page, pages_ahead, read_bodies
from dlt_sources.common.prefetch import prefetched
from dlt_sources.hubspot.settings import (
    EVENTS_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    LIST_PAGE_SIZE,
    SEARCH_PAGE_SIZE,
    SEARCH_RESULT_CAP,
)


def to_epoch_ms(value: str | datetime) -> int:
    """An ISO 8601 timestamp (or a time) as the epoch milliseconds HubSpot's filters take."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def value_set_at(history: list[dict[str, Any]], current: Any) -> str | None:
    """When a property took its current value: the earliest of the newest entries of its history that hold it (a value
    set again to itself was set at the first time). None when the history does not show the current value."""
    newest_first = sorted(history, key=lambda entry: str(entry.get("timestamp") or ""), reverse=True)
    set_at = None
    for entry in newest_first:
        if str(entry.get("value")).lower() != str(current).lower():
            break
        set_at = entry.get("timestamp")
    return set_at


def with_set_at(objects: list[dict[str, Any]], properties: dict[str, str]) -> list[dict[str, Any]]:
    """The objects, each with `<column>_set_at` (for `properties`: property name → column) at its top level: when the
    property took its current value, from its history (a consent's own time: any other edit moves `updatedAt`)."""
    for obj in objects:
        histories = obj.get("propertiesWithHistory")
        if not isinstance(histories, dict):
            continue
        values = obj.get("properties") or {}
        for name, column in properties.items():
            obj[f"{column}_set_at"] = value_set_at(histories.get(name) or [], values.get(name))
    return objects


def list_objects(
    client: RESTClient,
    object_type: str,
    properties: list[str],
    associations: list[str] | None = None,
    with_history: list[str] | None = None,
) -> Iterator[Page]:
    """Every object of a type, through the list endpoint (no result cap: used for the first load)."""
    page_size = HISTORY_PAGE_SIZE if with_history else LIST_PAGE_SIZE
    params: dict[str, Any] = {"limit": page_size, "properties": ",".join(properties)}
    if with_history:
        params["propertiesWithHistory"] = ",".join(with_history)
    if associations:
        params["associations"] = ",".join(associations)
    while True:
        response = client.get(f"crm/v3/objects/{object_type}", params=params)
        data = checked_json(response)
        yield data.get("results", []), is_lossy(response)
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return
        params["after"] = after


def search_modified_since(
    client: RESTClient, object_type: str, modified_property: str, since: datetime, properties: list[str]
) -> Iterator[Page]:
    """Objects modified at or after `since`, oldest first, past the search API's 10,000-result cap.

    At the cap the search restarts from the last modification time seen; the overlap is the same
    objects again, which the merge on `id` absorbs.
    """
    since_ms = to_epoch_ms(since)
    while True:
        body: dict[str, Any] = {
            "filterGroups": [
                {"filters": [{"propertyName": modified_property, "operator": "GTE", "value": str(since_ms)}]}
            ],
            "sorts": [{"propertyName": modified_property, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": SEARCH_PAGE_SIZE,
            "after": "0",
        }
        last_modified = None
        while True:
            response = client.post(f"crm/v3/objects/{object_type}/search", json=body)
            data = checked_json(response)
            results = data.get("results", [])
            if results:
                last_modified = results[-1]["properties"][modified_property]
            yield results, is_lossy(response)
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            if int(after) + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP:
                break
            body["after"] = after
        restart_ms = to_epoch_ms(last_modified or since)
        if restart_ms <= since_ms:
            raise RuntimeError(
                f"More than {SEARCH_RESULT_CAP} HubSpot {object_type} share the modification time {last_modified}; "
                "the search API cannot page past them. Run a full reload of this source."
            )
        since_ms = restart_ms


def read_with_history(
    client: RESTClient, object_type: str, ids: list[str], properties: list[str], with_history: list[str]
) -> Page:
    """The objects with these IDs and the history of `with_history` (the search API gives no history)."""
    objects: list[dict[str, Any]] = []
    lossy = False
    for first in range(0, len(ids), HISTORY_PAGE_SIZE):
        body = {
            "inputs": [{"id": object_id} for object_id in ids[first : first + HISTORY_PAGE_SIZE]],
            "properties": properties,
            "propertiesWithHistory": with_history,
        }
        response = client.post(f"crm/v3/objects/{object_type}/batch/read", json=body)
        # 207: some IDs were not found (deleted since the search): the others are read.
        objects += checked_json(response).get("results", [])
        lossy = lossy or is_lossy(response)
    return objects, lossy


def email_events_since(client: RESTClient, start_ms: int, end_ms: int, shape: pa.StructType) -> Iterator[Page]:
    """Email events created in [start_ms, end_ms), through the offset-paged events API, read into arrow as records of
    type `shape` (`pages.read_bodies`), fetched a batch ahead."""
    listing = _email_event_bodies(client, start_ms, end_ms)
    yield from read_bodies(prefetched(listing, pages_ahead(EVENTS_PAGE_SIZE)), "events", shape)


def _email_event_bodies(client: RESTClient, start_ms: int, end_ms: int) -> Iterator[Body]:
    params: dict[str, Any] = {"startTimestamp": start_ms, "endTimestamp": end_ms, "limit": EVENTS_PAGE_SIZE}
    while True:
        response = client.get("email/public/v1/events", params=params)
        page, paging = listing_page(response, "events", {"hasMore": pa.bool_(), "offset": pa.string()})
        yield page
        if not paging.get("hasMore") or not paging.get("offset"):
            return
        params["offset"] = paging["offset"]
