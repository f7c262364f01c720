"""HubSpot CRM v3 (contacts, tickets: list and search) and the legacy email events API.

Property values are strings or null, like the real API. Search pages by offset and, like the
real one, refuses to page beyond 10,000 results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalog import COUNTRY_BY_CODE
from .feedback import nps_group
from .ids import email_event_id, hubspot_contact_id, hubspot_feedback_submission_id, hubspot_ticket_id
from .malformed import LONG_STRING, UNKNOWN_FIELD, impossible_date, invalid_email, legacy_bytes
from .model import Customer, EmailEvent, FeedbackSubmission, Ticket, World
from .simulation import Simulation
from .web import (
    SEQ_BITS,
    Ordering,
    bearer_token,
    decode_cursor,
    encode_cursor,
    iso_utc_ms,
    json_body,
    json_response,
    parse_time,
    take,
)

PORTAL_ID, APP_ID = 62_515, 113
SEARCH_RESULT_CAP = 10_000
BATCH_LIMIT = 100
HISTORY_PAGE_LIMIT = 50  # objects per list page or batch read when property history is asked for
TICKET_TOPICS = (
    "Order not delivered",
    "Wrong size",
    "Refund request",
    "Loyalty points missing",
    "Damaged item",
    "Change of address",
    "Invoice needed",
    "Store complaint",
)
TICKET_PRIORITIES = ("LOW", "MEDIUM", "HIGH")
_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    404: "OBJECT_NOT_FOUND",
    429: "RATE_LIMITS",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error(status: int, message: str) -> Response:
    """An error in HubSpot's shape: ``{status, message, correlationId, category}``."""
    body = {
        "status": "error",
        "message": message,
        "correlationId": "8d6b3c2e-5f0a-4a8e-9d1f-7c3b2a1e0f9d",
        "category": _CATEGORIES.get(status, "INTERNAL_ERROR"),
    }
    if status == 429:
        body.update(errorType="RATE_LIMIT", policyName="SECONDLY")
    return json_response(body, status, {"Retry-After": "1"} if status == 429 else None)


def fault_response(status: int) -> Response:
    return error(
        status,
        {429: "You have reached your secondly limit.", 500: "internal error", 503: "Service Unavailable"}.get(
            status, "error"
        ),
    )


def _lifecycle(c: Customer) -> str:
    activity = c.person.activity
    return "customer" if activity > 0.7 else ("marketingqualifiedlead" if activity > 0.3 else "subscriber")


def contact_properties(c: Customer) -> dict[str, str | None]:
    mobile = c.phone if c.phone and c.seq % 3 == 0 else None
    props: dict[str, Any] = {
        "hs_object_id": hubspot_contact_id(c.seq),
        "createdate": iso_utc_ms(c.created),
        "lastmodifieddate": iso_utc_ms(c.updated),
        "email": c.email,
        "firstname": c.first,
        "lastname": c.last,
        "phone": None if mobile else c.phone,
        "mobilephone": mobile,
        "date_of_birth": c.birthday,
        "address": c.street,
        "city": c.city,
        "zip": c.zip,
        "country": COUNTRY_BY_CODE[c.country].name if c.street or c.city else None,
        "lifecyclestage": _lifecycle(c),
        "hs_email_optout": "false" if c.subscribed else "true",
        # A custom property of the portal (HubSpot has no built-in advertising consent); a checkbox is "true"/"false".
        "ads_consent": None if c.ads_consent is None else ("true" if c.ads_consent else "false"),
    }
    if c.defect == "invalid_email":
        props["email"] = invalid_email(c.email, c.seq)
    elif c.defect == "impossible_date":
        props["date_of_birth"] = impossible_date(c.birthday or c.person.birthday, c.seq)
    elif c.defect == "long_string":
        props["address"] = LONG_STRING
    elif c.defect == "wrong_type":
        props["hs_email_optout"] = not c.subscribed
    elif c.defect == "invalid_utf8":
        props["lastname"] = legacy_bytes(c.last)
    return props


def contact_histories(c: Customer) -> dict[str, list[dict[str, Any]]]:
    """``propertiesWithHistory`` of a contact, newest first, as the CRM v3 API sends it: every value
    ``hs_email_optout`` and the advertising-consent property have held, with the time each was set (the other
    properties' histories are not simulated)."""
    value = not c.subscribed
    history = []
    for ts in reversed(c.consent_changes):
        history.append({"value": str(value).lower(), "timestamp": iso_utc_ms(ts), "sourceType": "EMAIL"})
        value = not value
    history.append({"value": str(value).lower(), "timestamp": iso_utc_ms(c.created), "sourceType": "CONTACTS"})
    ads = [
        {"value": str(granted).lower(), "timestamp": iso_utc_ms(ts), "sourceType": "CRM_UI"}
        for ts, granted in reversed(c.ads_consent_history)
    ]
    return {"hs_email_optout": history, "ads_consent": ads}


def ticket_properties(t: Ticket) -> dict[str, str | None]:
    return {
        "hs_object_id": hubspot_ticket_id(t.seq),
        "createdate": iso_utc_ms(t.created),
        "hs_lastmodifieddate": iso_utc_ms(t.updated),
        "subject": TICKET_TOPICS[t.topic],
        "content": f"{TICKET_TOPICS[t.topic]}. Please help, order reference #{1001 + t.seq * 7}.",
        "hs_pipeline": "0",
        "hs_pipeline_stage": str(t.stage + 1),
        "hs_ticket_priority": TICKET_PRIORITIES[t.priority],
        "hs_ticket_category": None,
    }


SURVEYS = {  # survey type: (survey id, survey name)
    "NPS": ("1", "Customer loyalty survey"),
    "CSAT": ("2", "Support satisfaction survey"),
    "CES": ("3", "Checkout effort survey"),
}
_SENTIMENT = {"promoter": "POSITIVE", "passive": "NEUTRAL", "detractor": "NEGATIVE"}


def feedback_properties(f: FeedbackSubmission) -> dict[str, str | None]:
    """A survey response as HubSpot's feedback submissions object holds it (every property a string)."""
    survey_id, survey_name = SURVEYS[f.survey]
    # What HubSpot files each answer under: NPS's own groups; CSAT (1-5) and CES (1-7) by their scale's top and bottom.
    group = nps_group(f.value if f.survey == "NPS" else round(10 * (f.value - 1) / (4 if f.survey == "CSAT" else 6)))
    submitted = iso_utc_ms(f.submitted)
    return {
        "hs_object_id": hubspot_feedback_submission_id(f.seq),
        "hs_createdate": submitted,
        "hs_lastmodifieddate": submitted,
        "hs_submission_timestamp": submitted,
        "hs_survey_id": survey_id,
        "hs_survey_name": survey_name,
        "hs_survey_type": f.survey,
        "hs_survey_channel": "EMAIL",
        "hs_submission_name": f"{survey_name} - {f.contact.email}",
        "hs_value": str(f.value),
        "hs_response_group": group.upper() if f.survey == "NPS" else None,
        "hs_sentiment": _SENTIMENT[group],
        "hs_content": LONG_STRING if f.defect == "long_string" else f.comment,
    }


@dataclass(frozen=True, slots=True)
class _ObjectType:
    """One CRM object type: how to read, show and order its records."""

    name: str
    modified_property: str
    default_properties: tuple[str, ...]
    by_id: Ordering[Any]  # keyed by the numeric id (id order == seq order)
    by_modified: Ordering[Any]
    by_created: Ordering[Any]
    id_of: Callable[[int], str]
    properties_of: Callable[[Any], dict[str, Any]]
    associations_of: Callable[[Any], dict[str, Any]]
    is_malformed_extra: Callable[[Any], bool]
    histories_of: Callable[[Any], dict[str, list[dict[str, Any]]]]
    created_property: str = "createdate"

    def render(
        self, record: Any, wanted: list[str] | None, associations: bool, with_history: list[str] | None = None
    ) -> dict[str, Any]:
        props = self.properties_of(record)
        keep = (
            self.default_properties
            if wanted is None
            else [*wanted, "hs_object_id", self.created_property, self.modified_property]
        )
        shown = {k: props[k] for k in keep if k in props}
        result: dict[str, Any] = {
            "id": self.id_of(record.seq),
            "properties": shown,
            "createdAt": props[self.created_property],
            "updatedAt": props[self.modified_property],
            "archived": False,
        }
        if with_history:
            histories = self.histories_of(record)
            result["propertiesWithHistory"] = {name: histories.get(name, []) for name in with_history}
        if associations:
            result["associations"] = self.associations_of(record)
        if self.is_malformed_extra(record):
            result[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
        return result


@dataclass(frozen=True, slots=True)
class _Index:
    objects: dict[str, _ObjectType]
    events: Ordering[EmailEvent]


def _index(world: World) -> _Index:
    contacts, tickets, feedback = world.customers["hubspot"], world.tickets, world.feedback
    seq_of: Callable[[Any], int] = lambda r: r.seq  # noqa: E731
    return _Index(
        objects={
            "contacts": _ObjectType(
                "contacts",
                "lastmodifieddate",
                ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
                Ordering(contacts, lambda c: int(hubspot_contact_id(c.seq)), seq_of, presorted=True),
                Ordering(contacts, lambda c: c.updated, seq_of),
                Ordering(contacts, lambda c: c.created, seq_of),
                hubspot_contact_id,
                contact_properties,
                lambda c: {},
                lambda c: c.defect == "unknown_field",
                contact_histories,
            ),
            "tickets": _ObjectType(
                "tickets",
                "hs_lastmodifieddate",
                (
                    "content",
                    "createdate",
                    "hs_lastmodifieddate",
                    "hs_object_id",
                    "hs_pipeline",
                    "hs_pipeline_stage",
                    "hs_ticket_category",
                    "hs_ticket_priority",
                    "subject",
                ),
                Ordering(tickets, lambda t: int(hubspot_ticket_id(t.seq)), seq_of, presorted=True),
                Ordering(tickets, lambda t: t.updated, seq_of),
                Ordering(tickets, lambda t: t.created, seq_of),
                hubspot_ticket_id,
                ticket_properties,
                lambda t: {
                    "contacts": {"results": [{"id": hubspot_contact_id(t.contact.seq), "type": "ticket_to_contact"}]}
                },
                lambda t: False,
                lambda t: {},
            ),
            "feedback_submissions": _ObjectType(
                "feedback_submissions",
                "hs_lastmodifieddate",
                ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
                Ordering(feedback, lambda f: int(hubspot_feedback_submission_id(f.seq)), seq_of, presorted=True),
                Ordering(feedback, lambda f: f.submitted, seq_of, presorted=True),
                Ordering(feedback, lambda f: f.submitted, seq_of, presorted=True),
                hubspot_feedback_submission_id,
                feedback_properties,
                lambda f: {
                    "contacts": {
                        "results": [{"id": hubspot_contact_id(f.contact.seq), "type": "feedback_submission_to_contact"}]
                    }
                },
                lambda f: f.defect == "unknown_field",
                lambda f: {},
                "hs_createdate",
            ),
        },
        events=Ordering(world.email_events, lambda e: e.created_ms, lambda e: e.seq, presorted=True),
    )


def _wanted_properties(request: Request, parameter: str = "properties") -> list[str] | None:
    raw = request.query_params.getlist(parameter)
    names = [name.strip() for value in raw for name in value.split(",") if name.strip()]
    return names or None


def _date_value(value: Any) -> int:
    """Epoch milliseconds from a filter value (epoch ms or ISO 8601)."""
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else parse_time(text) * 1000


def _compile_filter(flt: dict[str, Any], kind: _ObjectType) -> Callable[[Any], bool]:
    """One search filter as a predicate on a record."""
    name, op = flt.get("propertyName"), str(flt.get("operator", "EQ")).upper()
    if not name:
        raise ValueError("filter without propertyName")
    is_date = name in ("createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate")
    if name == kind.modified_property:
        read: Callable[[Any], Any] = lambda r: r.updated * 1000  # noqa: E731
    elif name == kind.created_property:
        read = lambda r: r.created * 1000  # noqa: E731
    elif name == "hs_object_id":
        read = lambda r: int(kind.id_of(r.seq))  # noqa: E731
    else:
        read = lambda r: (lambda v: v.lower() if isinstance(v, str) else v)(kind.properties_of(r).get(name))  # noqa: E731

    def convert(value: Any) -> Any:
        if is_date:
            return _date_value(value)
        if name == "hs_object_id":
            return int(value)
        return str(value).lower()

    if op == "HAS_PROPERTY":
        return lambda r: read(r) is not None
    if op == "NOT_HAS_PROPERTY":
        return lambda r: read(r) is None
    if op in ("IN", "NOT_IN"):
        values = {convert(v) for v in flt.get("values") or []}
        return (lambda r: read(r) in values) if op == "IN" else (lambda r: read(r) not in values)
    if op == "BETWEEN":
        low, high = convert(flt.get("value")), convert(flt.get("highValue"))
        return lambda r: (v := read(r)) is not None and low <= v <= high
    if op == "CONTAINS_TOKEN":
        token = str(flt.get("value", "")).lower().strip("*")
        return lambda r: token in str(read(r) or "")
    value = convert(flt.get("value"))
    compare: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda v: v == value,
        "NEQ": lambda v: v != value,
        "LT": lambda v: v < value,
        "LTE": lambda v: v <= value,
        "GT": lambda v: v > value,
        "GTE": lambda v: v >= value,
    }
    if op not in compare:
        raise ValueError(f"unknown operator {op}")
    test = compare[op]
    return lambda r: (v := read(r)) is not None and test(v)


def _lower_bound(groups: list[list[dict[str, Any]]], prop: str) -> int | None:
    """A lower bound (epoch s) on ``prop`` implied by every filter group, to skip ahead by bisection."""
    bounds = []
    for group in groups:
        group_bounds = [
            _date_value(f["value"]) // 1000
            for f in group
            if f.get("propertyName") == prop and str(f.get("operator")).upper() in ("GT", "GTE")
        ]
        if not group_bounds:
            return None
        bounds.append(max(group_bounds))
    return min(bounds) if bounds else None


class HubSpotApi:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    @staticmethod
    def _unauthorized(request: Request) -> Response | None:
        if bearer_token(request) or request.query_params.get("hapikey"):
            return None
        return error(
            401,
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
            "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )

    async def list_objects(self, request: Request, object_type: str) -> Response:
        if refused := self._unauthorized(request):
            return refused
        kind = self.sim.index(_index).objects[object_type]
        params = request.query_params
        with_history = _wanted_properties(request, "propertiesWithHistory")
        try:
            # Asking for property history lowers the page size to 50.
            limit = min(HISTORY_PAGE_LIMIT if with_history else 100, max(1, int(params.get("limit", 10))))
            after = int(params["after"]) if params.get("after") else None
        except ValueError:
            return error(400, "Invalid input: limit and after must be integers")
        if params.get("archived", "false").lower() == "true":
            return json_response({"results": []})
        wanted = _wanted_properties(request)
        associations = "contacts" in params.get("associations", "")
        position = kind.by_id.position(after, None, False)
        page, _, _ = take(kind.by_id.scan(position, False), None, limit + 1)
        answer: dict[str, Any] = {"results": [kind.render(r, wanted, associations, with_history) for r in page[:limit]]}
        if len(page) > limit:
            next_after = kind.id_of(page[limit].seq)
            query = {k: v for k, v in params.items() if k != "after"}
            link = f"{str(request.base_url).rstrip('/')}{request.url.path}?{urlencode({**query, 'after': next_after})}"
            answer["paging"] = {"next": {"after": next_after, "link": link}}
        return json_response(answer)

    async def search_objects(self, request: Request, object_type: str) -> Response:
        if refused := self._unauthorized(request):
            return refused
        kind = self.sim.index(_index).objects[object_type]
        try:
            body = await json_body(request)
            limit = min(200, max(1, int(body.get("limit", 10))))
            offset = int(body.get("after") or 0)
            groups = [g.get("filters") or [] for g in body.get("filterGroups") or []]
            predicates = [[_compile_filter(f, kind) for f in group] for group in groups]
            sorts = body.get("sorts") or []
            sort = sorts[0] if sorts else {}
            if isinstance(sort, str):
                sort = {
                    "propertyName": sort.lstrip("-"),
                    "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING",
                }
            sort_property = sort.get("propertyName", "hs_object_id")
            descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return error(400, f"There was a problem with the request: {exc}")
        if offset >= SEARCH_RESULT_CAP:
            return error(400, f"Paging beyond {SEARCH_RESULT_CAP} results is not supported; narrow the filters.")
        ordering = {kind.modified_property: kind.by_modified, kind.created_property: kind.by_created}.get(
            sort_property, kind.by_id
        )
        start_ts = None
        if not descending and ordering is not kind.by_id and groups:
            start_ts = _lower_bound(groups, sort_property)
        accept = None
        if predicates:
            accept = lambda r: any(all(p(r) for p in group) for group in predicates)  # noqa: E731
        position = ordering.position(start_ts, None, descending)
        matches = [item for _, item in ordering.scan(position, descending) if accept is None or accept(item)]
        wanted = body.get("properties") or None
        page = matches[offset : offset + limit]
        answer: dict[str, Any] = {"total": len(matches), "results": [kind.render(r, wanted, False) for r in page]}
        if offset + limit < len(matches):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return json_response(answer)

    async def batch_read(self, request: Request, object_type: str) -> Response:
        """``POST …/batch/read``: the objects with the given IDs (unknown IDs are reported as errors)."""
        if refused := self._unauthorized(request):
            return refused
        kind = self.sim.index(_index).objects[object_type]
        try:
            body = await json_body(request)
            ids = [str(entry["id"]) for entry in body.get("inputs") or []]
            wanted = body.get("properties") or None
            with_history = body.get("propertiesWithHistory") or None
        except (ValueError, TypeError, KeyError) as exc:
            return error(400, f"There was a problem with the request: {exc}")
        limit = HISTORY_PAGE_LIMIT if with_history else BATCH_LIMIT
        if len(ids) > limit:
            return error(400, f"Batch read takes at most {limit} inputs")
        found, missing = [], []
        items = kind.by_id.items
        for object_id in ids:
            # by_id is keyed by the numeric ID: the position of the first object at or after it
            position = kind.by_id.position(int(object_id), None, False) if object_id.isdigit() else len(items)
            hit = items[position] if position < len(items) else None
            if hit is not None and kind.id_of(hit.seq) == object_id:
                found.append(kind.render(hit, wanted, False, with_history))
            else:
                missing.append(object_id)
        now = iso_utc_ms(self.sim.world.now)
        answer: dict[str, Any] = {"status": "COMPLETE", "results": found, "startedAt": now, "completedAt": now}
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some objects",
                    "context": {"ids": missing},
                }
            ]
        return json_response(answer, 207 if missing else 200)

    async def email_events(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        params = request.query_params
        try:
            limit = min(1000, max(1, int(params.get("limit", 100))))
            start_ms = int(params["startTimestamp"]) if params.get("startTimestamp") else None
            end_ms = int(params["endTimestamp"]) if params.get("endTimestamp") else None
            after_key = int(decode_cursor(params["offset"])["k"]) if params.get("offset") else None
        except (ValueError, KeyError, TypeError):
            return error(400, "Invalid input: startTimestamp, endTimestamp, limit or offset")
        event_type = params.get("eventType")
        recipient = (params.get("recipient") or "").lower() or None

        def accept(e: EmailEvent) -> bool:
            return (not event_type or e.type == event_type) and (not recipient or e.recipient.lower() == recipient)

        events = self.sim.index(_index).events
        position = events.position(start_ms, after_key, False)
        stop_key = (end_ms + 1) << SEQ_BITS if end_ms is not None else None
        page, last_key, more = take(
            events.scan(position, False), accept if event_type or recipient else None, limit, stop_key
        )
        answer: dict[str, Any] = {"hasMore": more, "events": [_render_event(e) for e in page]}
        answer["offset"] = encode_cursor({"k": str(last_key)}) if last_key is not None else (params.get("offset") or "")
        return json_response(answer)

    def routes(self) -> list[Route]:
        routes = [Route("/email/public/v1/events", self.email_events)]
        for name in ("contacts", "tickets", "feedback_submissions"):
            routes.append(Route(f"/crm/v3/objects/{name}", partial(self.list_objects, object_type=name)))
            routes.append(
                Route(
                    f"/crm/v3/objects/{name}/search", partial(self.search_objects, object_type=name), methods=["POST"]
                )
            )
            routes.append(
                Route(
                    f"/crm/v3/objects/{name}/batch/read", partial(self.batch_read, object_type=name), methods=["POST"]
                )
            )
        return routes


def _render_event(e: EmailEvent) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": email_event_id(e.seq),
        "created": e.created_ms,
        "type": e.type,
        "recipient": e.recipient,
        "emailCampaignId": e.campaign,
        "portalId": PORTAL_ID,
        "appId": APP_ID,
        "appName": "Batch",
        "sentBy": {"id": email_event_id(e.seq), "created": e.created_ms},
    }
    if e.type == "CLICK":
        event["url"] = e.detail
    elif e.type == "BOUNCE":
        event.update(category="HARD_BOUNCE", status="550", response="550 5.1.1 The email account does not exist")
    elif e.type == "STATUSCHANGE":
        event.update(
            changeType="SUBSCRIPTION_CHANGE", source="SOURCE_RECIPIENT", subscriptions=[{"id": 1, "status": e.detail}]
        )
    return event
