"""CRM v3 objects as the HubSpot resources load them: their columns, their contacts, and the resource listing them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.pages import MERGE, Child, Entity, PageLoader, batched
from dlt_sources.common.prefetch import prefetched
from dlt_sources.common.tables import BOOL, TIME, Column, column
from dlt_sources.hubspot.helpers import list_objects

# An object's associated contacts, as the table `<object>__associated_contacts_ids`.
CONTACTS = Child("associated_contacts_ids", ("associations", "contacts", "results"), (column("value", "id"),))


def object_columns(properties: list[str]) -> tuple[Column, ...]:
    """An object's ID, times and archived flag, and its properties as columns of their own (every one a string)."""
    return (
        column("id"),
        column("created_at", "createdAt", TIME),
        column("updated_at", "updatedAt", TIME),
        column("archived", kind=BOOL),
        *(column(name, f"properties.{name}") for name in properties),
    )


def listed_with_contacts(
    client: RESTClient, clock: SourceClock, entity: Entity, properties: list[str], enabled: bool = True
) -> DltResource:
    """The objects `entity` names with their contacts, merged on `id` (nothing when not `enabled`)."""

    @dlt.resource(name=entity.name, primary_key="id", write_disposition=MERGE)
    def listed() -> Iterator[Any]:
        if not enabled:
            return
        loader = PageLoader(entity, clock, Cursor(dlt.current.resource_state()))
        # The search API returns no associations, so these objects are always listed (they are few); the cursor keeps
        # only those changed since the last load.
        for objects, lossy in batched(prefetched(list_objects(client, entity.name, properties, ["contacts"]))):
            yield from loader.page(objects, lossy)

    return listed
