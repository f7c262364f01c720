"""Paging through HubSpot: object lists, searches past the 10,000-result cap, and the email events API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.http import checked_json
from dlt_sources.hubspot.settings import EVENTS_PAGE_SIZE, LIST_PAGE_SIZE, SEARCH_PAGE_SIZE, SEARCH_RESULT_CAP


def to_epoch_ms(value: str) -> int:
    """An ISO 8601 timestamp as the epoch milliseconds HubSpot's filters take."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def flatten(obj: dict[str, Any]) -> dict[str, Any]:
    """A CRM object with its string properties lifted to columns and its associations as ID lists."""
    row = {**(obj.get("properties") or {}), "id": obj.get("id")}
    for key in ("createdAt", "updatedAt", "archived"):
        row[key] = obj.get(key)
    for kind, linked in (obj.get("associations") or {}).items():
        row[f"associated_{kind}_ids"] = [link.get("id") for link in linked.get("results", [])]
    return row


def list_objects(
    client: RESTClient, object_type: str, properties: list[str], associations: list[str] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Every object of a type, through the list endpoint (no result cap: used for the first load)."""
    params: dict[str, Any] = {"limit": LIST_PAGE_SIZE, "properties": ",".join(properties)}
    if associations:
        params["associations"] = ",".join(associations)
    while True:
        data = checked_json(client.get(f"crm/v3/objects/{object_type}", params=params))
        yield [flatten(obj) for obj in data.get("results", [])]
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return
        params["after"] = after


def search_modified_since(
    client: RESTClient, object_type: str, modified_property: str, since: str, properties: list[str]
) -> Iterator[list[dict[str, Any]]]:
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
            data = checked_json(client.post(f"crm/v3/objects/{object_type}/search", json=body))
            results = data.get("results", [])
            if results:
                last_modified = results[-1]["properties"][modified_property]
            yield [flatten(obj) for obj in results]
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            if int(after) + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP:
                break
            body["after"] = after
        restart_ms = to_epoch_ms(last_modified)
        if restart_ms <= since_ms:
            raise RuntimeError(
                f"More than {SEARCH_RESULT_CAP} HubSpot {object_type} share the modification time {last_modified}; "
                "the search API cannot page past them. Run a full reload of this source."
            )
        since_ms = restart_ms


def email_events_since(client: RESTClient, start_ms: int, end_ms: int) -> Iterator[list[dict[str, Any]]]:
    """Email events created in [start_ms, end_ms), through the offset-paged events API."""
    params: dict[str, Any] = {"startTimestamp": start_ms, "endTimestamp": end_ms, "limit": EVENTS_PAGE_SIZE}
    while True:
        data = checked_json(client.get("email/public/v1/events", params=params))
        yield data.get("events", [])
        if not data.get("hasMore") or not data.get("offset"):
            return
        params["offset"] = data["offset"]
