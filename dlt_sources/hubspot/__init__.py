"""CRM source: contacts, support tickets, survey responses and email engagement events from HubSpot.

Contacts, tickets and feedback submissions come from the CRM v3 objects API: the first load of contacts lists them all,
later loads search on the last-modified date; tickets and survey responses are listed with their contacts each time.
Email events (sent, delivered, open, click, bounce, subscription changes) come from the email events API, incremental on
their creation time. Config keys:

    [sources.hubspot]
    base_url = "https://api.hubapi.com"            # SOURCES__HUBSPOT__BASE_URL
    access_token = "pat-..."                       # SOURCES__HUBSPOT__ACCESS_TOKEN (secret, private app token)
    ads_consent_property = "ads_consent"           # SOURCES__HUBSPOT__ADS_CONSENT_PROPERTY (the contact property
                                                   # holding advertising consent, "true"/"false"; unset: none)
    feedback = true                                # SOURCES__HUBSPOT__FEEDBACK (false: a portal without surveys;
                                                   # feedback_submissions then loads nothing)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth

from dlt_sources.common.cursor import SourceClock, latest
from dlt_sources.common.http import retrying_session
from dlt_sources.common.quarantine import (
    check_cursor,
    check_date,
    check_email,
    check_short_strings,
    check_types,
    screen,
)
from dlt_sources.hubspot.feedback import feedback_submissions
from dlt_sources.hubspot.helpers import (
    email_events_since,
    list_objects,
    read_with_history,
    search_modified_since,
    to_epoch_ms,
)
from dlt_sources.hubspot.settings import (
    ADS_CONSENT_COLUMN,
    ADS_CONSENT_PROPERTY,
    CONTACT_PROPERTIES,
    HISTORY_PROPERTIES,
    START_DATE,
    TICKET_PROPERTIES,
)

_CONTACT_CHECKS = [
    check_email("email"),
    check_date("date_of_birth"),
    check_short_strings("firstname", "lastname", "email", "phone", "mobilephone"),
    # Every HubSpot property is a string, whatever it holds.
    check_types(**dict.fromkeys([*CONTACT_PROPERTIES, ADS_CONSENT_COLUMN], str)),
]
_EVENT_CHECKS = [check_email("recipient")]


@dlt.source(name="hubspot")
def hubspot_source(
    base_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    start_date: str = START_DATE,
    request_timeout: float = 30.0,
    ads_consent_property: str = ADS_CONSENT_PROPERTY,
    feedback: bool = True,
) -> Sequence[DltResource]:
    """The CRM's contacts (with their advertising consent), tickets and survey responses (with their contacts) and
    email events."""
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    client = RESTClient(base_url=base_url.rstrip("/") + "/", auth=BearerTokenAuth(access_token), session=session)
    return [
        _contacts(client, clock, ads_consent_property),
        _tickets(client, clock),
        feedback_submissions(client, clock, feedback),
        _email_events(client, clock, start_date),
    ]


# Every resource is screened (its cursor first) before dlt's incremental step: dlt places a yield_map there (its
# placement affinity), so a rejected record never moves the cursor, which compares times as instants (`latest`).


def _contacts(client: RESTClient, clock: SourceClock, ads_consent_property: str) -> DltResource:
    properties = [*CONTACT_PROPERTIES, ads_consent_property]

    @dlt.resource(name="contacts", primary_key="id", write_disposition="merge")
    def contacts(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updatedAt", last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        # The list has no result cap but no filter: right for the first load, wasteful after it. The search gives no
        # property history: the contacts it finds are read again with it.
        if updated_at.start_value is None:
            pages = list_objects(client, "contacts", properties, with_history=HISTORY_PROPERTIES)
        else:
            found = search_modified_since(client, "contacts", "lastmodifieddate", updated_at.start_value, properties)
            pages = (
                read_with_history(client, "contacts", [row["id"] for row in page], properties, HISTORY_PROPERTIES)
                for page in found
            )
        for page in pages:
            yield [_with_ads_consent_column(row, ads_consent_property) for row in page]

    return contacts().add_yield_map(screen("contacts", "id", [check_cursor("updatedAt", clock), *_CONTACT_CHECKS]))


def _with_ads_consent_column(row: dict[str, Any], ads_consent_property: str) -> dict[str, Any]:
    """The contact with the portal's advertising-consent property under the column the models read."""
    if ads_consent_property != ADS_CONSENT_COLUMN:
        row[ADS_CONSENT_COLUMN] = row.pop(ads_consent_property, None)
    return row


def _tickets(client: RESTClient, clock: SourceClock) -> DltResource:
    @dlt.resource(name="tickets", primary_key="id", write_disposition="merge")
    def tickets(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updatedAt", last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        # The search API returns no associations, so tickets are always listed (they are few); the
        # incremental step keeps only those changed since the last load.
        yield from list_objects(client, "tickets", TICKET_PROPERTIES, ["contacts"])

    return tickets().add_yield_map(screen("tickets", "id", [check_cursor("updatedAt", clock)]))


def _email_events(client: RESTClient, clock: SourceClock, start_date: str) -> DltResource:
    # Merged on the event's ID, not appended: a load replayed after a crash must not hold an event twice.
    @dlt.resource(name="email_events", primary_key="id", write_disposition="merge")
    def email_events(
        created: dlt.sources.incremental[int] = dlt.sources.incremental(
            "created", initial_value=to_epoch_ms(start_date), last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        # The events API wants an end; "now" is the source's, so ask for everything up to far ahead.
        yield from email_events_since(client, created.start_value, to_epoch_ms("2100-01-01T00:00:00Z"))

    return email_events().add_yield_map(screen("email_events", "id", [check_cursor("created", clock), *_EVENT_CHECKS]))
