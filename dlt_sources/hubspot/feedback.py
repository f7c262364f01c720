"""HubSpot feedback submissions: NPS, CSAT and CES survey responses with the contact who answered (CRM v3 objects).

Read through the HubSpot source's own client and clock; the private app needs the
`crm.objects.feedback_submissions.read` scope. A portal without HubSpot surveys turns the resource off with
`sources.hubspot.feedback = false`; it then loads nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.cursor import SourceClock, latest
from dlt_sources.common.quarantine import check_cursor, check_types, screen
from dlt_sources.hubspot.helpers import list_objects
from dlt_sources.hubspot.settings import FEEDBACK_PROPERTIES

# Every HubSpot property is a string, whatever it holds.
_CHECKS = [check_types(**dict.fromkeys(FEEDBACK_PROPERTIES, str))]


def feedback_submissions(client: RESTClient, clock: SourceClock, enabled: bool) -> DltResource:
    @dlt.resource(name="feedback_submissions", primary_key="id", write_disposition="merge")
    def feedback_submissions(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updatedAt", last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        # The search API returns no associations, and a response without its contact says nothing about anyone: they
        # are always listed with their contacts (as tickets are), and the incremental step keeps the new ones.
        if enabled:
            yield from list_objects(client, "feedback_submissions", FEEDBACK_PROPERTIES, ["contacts"])

    return feedback_submissions().add_yield_map(
        screen("feedback_submissions", "id", [check_cursor("updatedAt", clock), *_CHECKS])
    )
