"""CRM source: contacts, support tickets, survey answers and email engagement events from HubSpot.

Contacts, tickets and feedback submissions (survey answers) come from the CRM v3 objects API: the first load of
contacts lists them all, later loads search on the last-modified date; tickets and answers are always listed with
their contacts. Email events (sent, delivered, open, click, bounce, subscription changes) come from the email
events API, incremental on their creation time. Pages become arrow tables (`common/pages.py`): CRM properties are
columns of their own, every one a string as HubSpot sends it; a consent property's history lands in a child table
and its latest change in `<column>_set_at`. Config keys:

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
from datetime import datetime
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.http import retrying_session
from dlt_sources.common.pages import MERGE, Child, Entity, Page, PageLoader, batched, record_type
from dlt_sources.common.prefetch import prefetched
from dlt_sources.common.quarantine import email, real_date, short_texts
from dlt_sources.common.tables import INT, TIME, column
from dlt_sources.hubspot.feedback import feedback_submissions
from dlt_sources.hubspot.helpers import (
    email_events_since,
    list_objects,
    read_with_history,
    search_modified_since,
    to_epoch_ms,
    with_set_at,
)
from dlt_sources.hubspot.objects import CONTACTS, listed_with_contacts, object_columns
from dlt_sources.hubspot.settings import (
    ADS_CONSENT_COLUMN,
    ADS_CONSENT_PROPERTY,
    CONTACT_PROPERTIES,
    EMAIL_OPTOUT_PROPERTY,
    START_DATE,
    TICKET_PROPERTIES,
)


def _history(name: str, prop: str) -> Child:
    """A property's history, as its child table `contacts__<name>_history`: every value it held, with when."""
    return Child(
        f"{name}_history",
        ("propertiesWithHistory", prop),
        columns=(column("value"), column("timestamp", kind=TIME), column("source_type", "sourceType")),
    )


def contacts_entity(ads_consent_property: str = ADS_CONSENT_PROPERTY) -> Entity:
    """Contacts, with the portal's advertising-consent property under the column the models read."""
    return Entity(
        name="contacts",
        columns=(
            *object_columns(CONTACT_PROPERTIES),
            column(ADS_CONSENT_COLUMN, f"properties.{ads_consent_property}"),
            column(f"{EMAIL_OPTOUT_PROPERTY}_set_at", kind=TIME),
            column(f"{ADS_CONSENT_COLUMN}_set_at", kind=TIME),
        ),
        cursor="updated_at",
        checks=(
            email("email"),
            real_date("date_of_birth"),
            *short_texts("firstname", "lastname", "email", "phone", "mobilephone"),
        ),
        children=(
            _history(EMAIL_OPTOUT_PROPERTY, EMAIL_OPTOUT_PROPERTY),
            _history(ADS_CONSENT_COLUMN, ads_consent_property),
        ),
    )


TICKETS = Entity(
    name="tickets",
    columns=object_columns(TICKET_PROPERTIES),
    cursor="updated_at",
    children=(CONTACTS,),
)

EMAIL_EVENTS = Entity(
    name="email_events",
    columns=(
        column("id"),
        column("created", kind=INT),
        column("type"),
        column("recipient"),
        column("email_campaign_id", "emailCampaignId", INT),
        column("portal_id", "portalId", INT),
        column("app_id", "appId", INT),
        column("app_name", "appName"),
        column("url"),
        column("category"),
        column("status"),
        column("response"),
        column("change_type", "changeType"),
        column("source"),
        column("sent_by__id", "sentBy.id"),
        column("sent_by__created", "sentBy.created", INT),
    ),
    cursor="created",
    cursor_instant='to_timestamp(cast("created" as double) / 1000)',
    checks=(email("recipient"),),
    children=(Child("subscriptions", ("subscriptions",), (column("id", kind=INT), column("status"))),),
)


@dlt.source(name="hubspot")
def hubspot_source(
    base_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    start_date: str = START_DATE,
    request_timeout: float = 30.0,
    ads_consent_property: str = ADS_CONSENT_PROPERTY,
    feedback: bool = True,
) -> Sequence[DltResource]:
    """The CRM's contacts (with their advertising consent), tickets and survey answers (with their contacts) and email
    events."""
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    client = RESTClient(base_url=base_url.rstrip("/") + "/", auth=BearerTokenAuth(access_token), session=session)
    start = datetime.fromisoformat(start_date)
    return [
        _contacts(client, clock, ads_consent_property),
        listed_with_contacts(client, clock, TICKETS, TICKET_PROPERTIES),
        feedback_submissions(client, clock, feedback),
        _email_events(client, clock, start),
    ]


def _contacts(client: RESTClient, clock: SourceClock, ads_consent_property: str) -> DltResource:
    properties = [*CONTACT_PROPERTIES, ads_consent_property]
    history = {EMAIL_OPTOUT_PROPERTY: EMAIL_OPTOUT_PROPERTY, ads_consent_property: ADS_CONSENT_COLUMN}
    entity = contacts_entity(ads_consent_property)

    @dlt.resource(name="contacts", primary_key="id", write_disposition=MERGE)
    def contacts() -> Iterator[Any]:
        cursor = Cursor(dlt.current.resource_state())
        loader = PageLoader(entity, clock, cursor)
        # The list has no result cap but no filter: right for the first load, wasteful after it. The search gives no
        # property history: the contacts it finds are read again with it.
        pages: Iterator[Page]
        if cursor.start is None:
            pages = list_objects(client, "contacts", properties, with_history=list(history))
        else:
            found = search_modified_since(client, "contacts", "lastmodifieddate", cursor.start, properties)
            pages = (
                read_with_history(client, "contacts", [row["id"] for row in page], properties, list(history))
                for page, _ in found
            )
        for objects, lossy in batched((with_set_at(page, history), lossy) for page, lossy in prefetched(pages)):
            yield from loader.page(objects, lossy)

    return contacts


def _email_events(client: RESTClient, clock: SourceClock, start: datetime) -> DltResource:
    # Merged on the event's ID, not appended: a load replayed after a crash must not hold an event twice.
    @dlt.resource(name="email_events", primary_key="id", write_disposition=MERGE)
    def email_events() -> Iterator[Any]:
        cursor = Cursor(dlt.current.resource_state(), initial=start)
        loader = PageLoader(EMAIL_EVENTS, clock, cursor)
        # The events API wants an end; "now" is the source's, so ask for everything up to far ahead.
        shape = record_type(EMAIL_EVENTS.columns, EMAIL_EVENTS.children)
        pages = email_events_since(
            client, to_epoch_ms(cursor.start or start), to_epoch_ms("2100-01-01T00:00:00Z"), shape
        )
        for events, lossy in batched(pages):
            yield from loader.page(events, lossy)

    return email_events
