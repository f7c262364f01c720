"""HubSpot feedback submissions: NPS, CSAT and CES survey responses with the contact who answered (CRM v3 objects).

Read through the HubSpot source's own client and clock; the private app needs the
`crm.objects.feedback_submissions.read` scope. A portal without HubSpot surveys turns the resource off with
`sources.hubspot.feedback = false`; it then loads nothing.
"""

from __future__ import annotations

from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.pages import Entity
from dlt_sources.hubspot.objects import CONTACTS, listed_with_contacts, object_columns
from dlt_sources.hubspot.settings import FEEDBACK_PROPERTIES

FEEDBACK_SUBMISSIONS = Entity(
    name="feedback_submissions",
    columns=object_columns(FEEDBACK_PROPERTIES),
    cursor="updated_at",
    children=(CONTACTS,),
)


def feedback_submissions(client: RESTClient, clock: SourceClock, enabled: bool) -> DltResource:
    # A response without its contact says nothing about anyone: responses are listed with their contacts, as tickets.
    return listed_with_contacts(client, clock, FEEDBACK_SUBMISSIONS, FEEDBACK_PROPERTIES, enabled)
