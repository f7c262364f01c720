"""Square API v2: locations, customers (list and search), orders search and payments.

Cursors are opaque; results are ordered by the requested time field with the record's sequence
number breaking ties, so paging returns every record exactly once. Timestamps are UTC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalog import PRODUCTS, STORES
from .config import DAY_SECONDS
from .delivery import SQUARE_TYPES
from .ids import hold_square_ids, square_customer_id, square_order_id, square_payment_id
from .malformed import LONG_STRING, UNKNOWN_FIELD, cursor_value, impossible_date, invalid_email, legacy_bytes
from .model import Customer, Order, World
from .money import line as money_line
from .money import totals
from .simulation import Simulation
from .web import (
    SEQ_BITS,
    Ordering,
    bearer_token,
    decode_cursor,
    encode_cursor,
    iso_utc,
    json_body,
    json_response,
    parse_instant,
    take,
)

TENDER_TYPES = ("CARD", "CASH", "WALLET")
CARD_BRANDS = ("VISA", "MASTERCARD", "AMERICAN_EXPRESS", "JCB")
WALLET_BRANDS = ("CASH_APP", "ALIPAY", "WECHAT_PAY")
_ERROR_CODES = {
    400: ("INVALID_REQUEST_ERROR", "BAD_REQUEST"),
    401: ("AUTHENTICATION_ERROR", "UNAUTHORIZED"),
    404: ("INVALID_REQUEST_ERROR", "NOT_FOUND"),
    429: ("RATE_LIMIT_ERROR", "RATE_LIMITED"),
    500: ("API_ERROR", "INTERNAL_SERVER_ERROR"),
    503: ("API_ERROR", "SERVICE_UNAVAILABLE"),
}


def error(status: int, detail: str, code: str | None = None, field: str | None = None) -> Response:
    """An error in Square's shape: ``{"errors": [{category, code, detail}]}``."""
    category, default_code = _ERROR_CODES.get(status, ("API_ERROR", "INTERNAL_SERVER_ERROR"))
    entry = {"category": category, "code": code or default_code, "detail": detail}
    if field:
        entry["field"] = field
    return json_response({"errors": [entry]}, status, {"Retry-After": "1"} if status == 429 else None)


def fault_response(status: int) -> Response:
    return error(
        status,
        {429: "Rate limit exceeded.", 500: "An internal error occurred.", 503: "Service temporarily unavailable."}.get(
            status, "Error."
        ),
    )


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def render_customer(c: Customer) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": square_customer_id(c.seq),
        "created_at": iso_utc(c.created),
        "updated_at": cursor_value(c.defect, c.updated, iso_utc),
        "given_name": c.first,
        "family_name": c.last,
        "email_address": c.email,
        "phone_number": c.phone,
        "birthday": c.birthday,
        "preferences": {"email_unsubscribed": not c.subscribed},
        "creation_source": "DIRECTORY",
        "version": c.version,
        "reference_id": f"LOYALTY-{c.person.pid * 7 + 100_003}" if c.person.activity > 2 else None,
    }
    if c.street or c.city:
        address = {
            "address_line_1": c.street,
            "address_line_2": c.street2,
            "locality": c.city,
            "administrative_district_level_1": c.province,
            "postal_code": c.zip,
            "country": c.country,
        }
        record["address"] = {k: v for k, v in address.items() if v is not None}
    if c.defect == "invalid_email":
        record["email_address"] = invalid_email(c.email, c.seq)
    elif c.defect == "impossible_date":
        record["birthday"] = impossible_date(c.birthday or c.person.birthday, c.seq)
    elif c.defect == "long_string":
        record["note"] = LONG_STRING
    elif c.defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
    elif c.defect == "wrong_type":
        record["version"] = str(c.version)
    elif c.defect == "invalid_utf8":
        record["family_name"] = legacy_bytes(c.last)
    return {k: v for k, v in record.items() if v is not None}


def _payment_details(order: Order) -> tuple[str, dict[str, Any]]:
    """(source type, the type-specific details) of an order's payment; a person keeps one card."""
    owner = order.customer.person.pid if order.customer else order.seq + 1_000_000
    kind = TENDER_TYPES[order.tender]
    if kind == "CARD":
        return kind, {
            "card_details": {
                "status": "CAPTURED",
                "entry_method": "EMV",
                "card": {
                    "card_brand": CARD_BRANDS[owner % 4],
                    "last_4": f"{owner * 7919 % 10_000:04d}",
                    "fingerprint": f"sq-1-{owner * 2_654_435_761 % 10**12:012d}",
                },
            }
        }
    if kind == "WALLET":
        return kind, {"wallet_details": {"status": "CAPTURED", "brand": WALLET_BRANDS[owner % 3]}}
    return kind, {"cash_details": {}}


@cache
def _line_item(product: int, qty: int, discount_pct: int, currency: str, country: str) -> dict[str, Any]:
    """An order line as the Orders API shows it, but its `uid`: the same for every order with that line, so built
    once (a few thousand keys at most). Shared between answers: whatever changes one copies it first."""
    line, p = money_line(product, qty, discount_pct, currency, country), PRODUCTS[product]
    return {
        "catalog_object_id": p.catalog_id,
        "catalog_version": 1,
        "quantity": str(line.quantity),
        "name": p.title,
        "variation_name": p.variant,
        "item_type": "ITEM",
        "base_price_money": _money(line.unit, currency),
        "gross_sales_money": _money(line.gross, currency),
        "total_tax_money": _money(line.tax, currency),
        "total_discount_money": _money(line.discount, currency),
        "total_money": _money(line.total, currency),
        "variation_total_price_money": _money(line.gross, currency),
    }


def render_order(o: Order) -> dict[str, Any]:
    t, cur, oid = totals(o), o.currency, square_order_id(o.seq)
    location_id = STORES[o.store].location_id
    created = iso_utc(o.created)
    prefix, pct, country = oid[:10], o.discount_pct, o.country
    lines = [
        {"uid": f"{prefix}{i}", **_line_item(product, qty, pct, cur, country)}
        for i, (product, qty) in enumerate(o.lines)
    ]
    record: dict[str, Any] = {
        "id": oid,
        "location_id": location_id,
        "source": {"name": "Point of Sale"},
        "line_items": lines,
        "created_at": created,
        "updated_at": cursor_value(o.defect, o.updated, iso_utc),
        "closed_at": created,
        "state": "CANCELED" if o.cancelled else "COMPLETED",
        "version": 4 if o.cancelled else 3,
        "total_money": _money(t.total, cur),
        "total_tax_money": _money(t.tax, cur),
        "total_discount_money": _money(t.discount, cur),
        "total_tip_money": _money(0, cur),
        "total_service_charge_money": _money(0, cur),
    }
    if o.customer:
        record["customer_id"] = square_customer_id(o.customer.seq)
    if o.delivery:
        # A sale fulfilled later (delivery.py): picked up, shipped or delivered, as the Orders API shows it; one whose
        # first fulfillment was cancelled shows that one first.
        record["fulfillments"] = [
            {
                "uid": f"{prefix}F",
                "type": SQUARE_TYPES[o.delivery],
                "state": "CANCELED" if o.cancelled else "COMPLETED",
            }
        ]
        if o.cancelled_delivery:
            record["fulfillments"].insert(
                0, {"uid": f"{prefix}C", "type": SQUARE_TYPES[o.cancelled_delivery], "state": "CANCELED"}
            )
    if not o.cancelled:
        kind, details = _payment_details(o)
        payment_id = square_payment_id(o.seq)
        record["tenders"] = [
            {
                "id": payment_id,
                "location_id": location_id,
                "transaction_id": oid,
                "created_at": created,
                "amount_money": _money(t.total, cur),
                "type": kind,
                **details,
                "payment_id": payment_id,
            }
        ]
        if o.customer:
            record["tenders"][0]["customer_id"] = record["customer_id"]
    if o.defect == "negative_amount":
        record["total_money"]["amount"] = -t.total
    elif o.defect == "wrong_type":
        first = lines[0]
        first["base_price_money"] = {**first["base_price_money"], "amount": str(first["base_price_money"]["amount"])}
        first["quantity"] = "two"
    elif o.defect == "long_string":
        lines[0]["note"] = LONG_STRING
    elif o.defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
    return record


def render_payment(o: Order) -> dict[str, Any]:
    t, cur = totals(o), o.currency
    kind, details = _payment_details(o)
    payment_id = square_payment_id(o.seq)
    record: dict[str, Any] = {
        "id": payment_id,
        "created_at": iso_utc(o.created),
        "updated_at": iso_utc(o.updated),
        "amount_money": _money(t.total, cur),
        "total_money": _money(t.total, cur),
        "approved_money": _money(t.total, cur),
        "status": "CANCELED" if o.cancelled else "COMPLETED",
        "source_type": kind,
        **details,
        "location_id": STORES[o.store].location_id,
        "order_id": square_order_id(o.seq),
        "receipt_number": payment_id[:4],
    }
    if o.customer:
        record["customer_id"] = square_customer_id(o.customer.seq)
    return record


@dataclass(frozen=True, slots=True)
class _Index:
    customers: Ordering[Customer]  # by created
    orders_created: Ordering[Order]
    orders_updated: Ordering[Order]


def hold_ids(world: World) -> None:
    """Compute the IDs of the world's Square records together, once a day (what is held from earlier days stays)."""
    customers, orders = world.customers["square"], world.orders["square"]
    hold_square_ids(customers[-1].seq + 1 if customers else 0, orders[-1].seq + 1 if orders else 0)


def _index(world: World) -> _Index:
    hold_ids(world)
    customers, orders = world.customers["square"], world.orders["square"]
    return _Index(
        customers=Ordering(customers, lambda c: c.created, lambda c: c.seq, presorted=True),
        orders_created=Ordering(orders, lambda o: o.created, lambda o: o.seq, presorted=True),
        orders_updated=Ordering(orders, lambda o: o.updated, lambda o: o.seq),
    )


def _limit(raw: Any, default: int, maximum: int) -> int:
    limit = int(raw) if raw not in (None, "") else default
    if not 1 <= limit <= maximum:
        raise ValueError(f"limit must be between 1 and {maximum}")
    return limit


def _time_range(spec: dict[str, Any] | None, end_exclusive: bool = False) -> tuple[int | None, int | None]:
    """The first and last whole second (the world's resolution) of a Square TimeRange ``{start_at, end_at}``, each
    None when not given. A bound between two seconds (a listing cut in time slices sends fractions) holds what lies
    inside it: from 12:00:00.0005 on starts at 12:00:01; up to 12:00:00.0005 ends at 12:00:00, exclusive or not."""
    if not spec:
        return None, None
    start, end = spec.get("start_at"), spec.get("end_at")
    return (_first_second(start) if start else None), (_last_second(end, end_exclusive) if end else None)


def _first_second(start: str) -> int:
    return math.ceil(parse_instant(start))


def _last_second(end: str, exclusive: bool) -> int:
    return math.ceil(parse_instant(end)) - 1 if exclusive else math.floor(parse_instant(end))


def _all(tests: list[Callable[[Any], bool]]) -> Callable[[Any], bool] | None:
    """One predicate for all of `tests` (None for none); a single test as it is, since it runs for every record a
    search scans."""
    if len(tests) <= 1:
        return tests[0] if tests else None
    return lambda record: all(test(record) for test in tests)


def _page(
    ordering: Ordering[Any],
    cursor: str | None,
    descending: bool,
    limit: int,
    time_range: tuple[int | None, int | None],
    accept: Callable[[Any], bool] | None,
) -> tuple[list[Any], str | None]:
    """One page of ``ordering`` within ``time_range`` (on the ordering's own key), and the next cursor."""
    start_ts, end_ts = time_range
    after_key = int(decode_cursor(cursor)["k"]) if cursor else None
    bound = end_ts if descending else start_ts
    stop_ts = start_ts if descending else end_ts
    stop_key = None
    if stop_ts is not None:
        stop_key = stop_ts << SEQ_BITS if descending else (stop_ts + 1) << SEQ_BITS
    position = ordering.position(bound, after_key, descending)
    page, last_key, more = take(ordering.scan(position, descending), accept, limit, stop_key, descending)
    return page, encode_cursor({"k": str(last_key)}) if more else None


class SquareApi:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    @staticmethod
    def _unauthorized(request: Request) -> Response | None:
        if bearer_token(request):
            return None
        return error(401, "This request could not be authorized.")

    async def locations(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        return json_response(
            {
                "locations": [
                    {
                        "id": s.location_id,
                        "name": s.name,
                        "timezone": s.timezone,
                        "status": "ACTIVE",
                        "country": s.country,
                        "currency": {"ID": "IDR", "VN": "VND", "PL": "PLN", "US": "USD"}[s.country],
                        "language_code": {"ID": "id-ID", "VN": "vi-VN", "PL": "pl-PL", "US": "en-US"}[s.country],
                        "business_name": "CDP Demo Store",
                        "type": "PHYSICAL",
                        "merchant_id": "MLCDPDEMO000",
                        "created_at": "2021-03-01T00:00:00Z",
                        "capabilities": ["CREDIT_CARD_PROCESSING"],
                        "address": {
                            "address_line_1": s.address_line_1,
                            "locality": s.locality,
                            "administrative_district_level_1": s.district,
                            "postal_code": s.postal_code,
                            "country": s.country,
                        },
                    }
                    for s in STORES
                ]
            }
        )

    async def list_customers(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        params = request.query_params
        try:
            limit = _limit(params.get("limit"), 100, 100)
            descending = params.get("sort_order", "ASC").upper() == "DESC"
            page, cursor = _page(
                self.sim.index(_index).customers, params.get("cursor"), descending, limit, (None, None), None
            )
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        return self._customers_answer(page, cursor)

    @staticmethod
    def _customers_answer(page: list[Customer], cursor: str | None) -> Response:
        answer: dict[str, Any] = {"customers": [render_customer(c) for c in page]} if page else {}
        if cursor:
            answer["cursor"] = cursor
        return json_response(answer)

    async def search_customers(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        try:
            body = await json_body(request)
            limit = _limit(body.get("limit"), 100, 100)
            query = body.get("query") or {}
            filters, sort = query.get("filter") or {}, query.get("sort") or {}
            created = _time_range(filters.get("created_at"))
            updated_from, updated_to = _time_range(filters.get("updated_at"))
            email = (filters.get("email_address") or {}).get("exact")
            tests: list[Callable[[Customer], bool]] = []
            if updated_from is not None:
                tests.append(lambda c: c.updated >= updated_from)
            if updated_to is not None:
                tests.append(lambda c: c.updated <= updated_to)
            if email:
                tests.append(lambda c: (c.email or "").lower() == email.lower())
            accept = _all(tests)
            descending = str(sort.get("order", "ASC")).upper() == "DESC"
            page, cursor = _page(
                self.sim.index(_index).customers, body.get("cursor"), descending, limit, created, accept
            )
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        return self._customers_answer(page, cursor)

    async def search_orders(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        try:
            body = await json_body(request)
            location_ids = body.get("location_ids") or []
            if not location_ids:
                return error(400, "Missing required parameter.", "MISSING_REQUIRED_PARAMETER", "location_ids")
            limit = _limit(body.get("limit"), 500, 1000)
            query = body.get("query") or {}
            filters, sort = query.get("filter") or {}, query.get("sort") or {}
            sort_field = str(sort.get("sort_field", "CREATED_AT")).upper()
            descending = str(sort.get("sort_order", "DESC")).upper() == "DESC"
            index = self.sim.index(_index)
            ordering = index.orders_updated if sort_field == "UPDATED_AT" else index.orders_created
            own_field = (
                "updated_at"
                if sort_field == "UPDATED_AT"
                else ("closed_at" if sort_field == "CLOSED_AT" else "created_at")
            )
            date_filters = filters.get("date_time_filter") or {}
            stores = {s.index for s in STORES if s.location_id in set(location_ids)}
            states = set((filters.get("state_filter") or {}).get("states") or [])
            customers = set((filters.get("customer_filter") or {}).get("customer_ids") or [])
            tests: list[Callable[[Order], bool]] = [] if len(stores) == len(STORES) else [lambda o: o.store in stores]
            if states:
                tests.append(lambda o: ("CANCELED" if o.cancelled else "COMPLETED") in states)
            if customers:
                tests.append(lambda o: o.customer is not None and square_customer_id(o.customer.seq) in customers)
            for field, spec in date_filters.items():
                if field == own_field:
                    continue
                low, high = _time_range(spec)
                attribute = "updated" if field == "updated_at" else "created"
                if low is not None:
                    tests.append(lambda o, a=attribute, v=low: getattr(o, a) >= v)
                if high is not None:
                    tests.append(lambda o, a=attribute, v=high: getattr(o, a) <= v)
            page, cursor = _page(
                ordering,
                body.get("cursor"),
                descending,
                limit,
                _time_range(date_filters.get(own_field)),
                _all(tests),
            )
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        answer: dict[str, Any] = {"orders": [render_order(o) for o in page]} if page else {}
        if cursor:
            answer["cursor"] = cursor
        return json_response(answer)

    async def list_payments(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        params = request.query_params
        try:
            limit = _limit(params.get("limit"), 100, 100)
            # Square's end time is exclusive; the shared paging helper's is inclusive.
            end = _last_second(params["end_time"], True) if params.get("end_time") else self.sim.world.now - 1
            begin = _first_second(params["begin_time"]) if params.get("begin_time") else end - 365 * DAY_SECONDS + 1
            descending = params.get("sort_order", "DESC").upper() == "DESC"
            location = params.get("location_id")
            accept = None
            if location:
                stores = {s.index for s in STORES if s.location_id == location}
                accept = lambda o: o.store in stores  # noqa: E731
            page, cursor = _page(
                self.sim.index(_index).orders_created, params.get("cursor"), descending, limit, (begin, end), accept
            )
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        answer: dict[str, Any] = {"payments": [render_payment(o) for o in page]} if page else {}
        if cursor:
            answer["cursor"] = cursor
        return json_response(answer)

    def routes(self) -> list[Route]:
        return [
            Route("/v2/locations", self.locations),
            Route("/v2/customers", self.list_customers),
            Route("/v2/customers/search", self.search_customers, methods=["POST"]),
            Route("/v2/orders/search", self.search_orders, methods=["POST"]),
            Route("/v2/payments", self.list_payments),
        ]
