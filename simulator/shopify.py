"""Shopify Admin REST API (2024-07): customers, orders and abandoned checkouts.

Cursor pagination through the ``Link`` header (``page_info``), a leaky-bucket rate limit,
results ordered by id ascending, timestamps in the shop's time zone (+07:00).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalog import COUNTRY_BY_CODE, PRODUCTS
from .ids import (
    shopify_checkout_id,
    shopify_checkout_token,
    shopify_customer_id,
    shopify_order_id,
)
from .malformed import LONG_STRING, UNKNOWN_FIELD, cursor_value, invalid_email, legacy_bytes
from .model import Customer, Order, World
from .money import Totals, decimal_string, totals
from .simulation import Simulation
from .web import decode_cursor, encode_cursor, iso_offset, json_response, parse_time, take

SHOP_OFFSET = 7 * 3600  # the shop's time zone, Asia/Jakarta
SHOP_DOMAIN = "cdp-demo.myshopify.com"
MAX_LIMIT, DEFAULT_LIMIT, BUCKET_SIZE = 250, 50, 40
AUTH_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_TIME_FILTERS = ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max")
_GATEWAYS = ("shopify_payments", "manual", "paypal")


def error(status: int, message: Any) -> Response:
    """An error in Shopify's shape: ``{"errors": ...}``."""
    headers = {"Retry-After": "1.0"} if status == 429 else None
    return json_response({"errors": message}, status, headers)


def fault_response(status: int) -> Response:
    return error(
        status,
        {
            429: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(status, "Error"),
    )


def _ts(ts: int) -> str:
    return iso_offset(ts, SHOP_OFFSET)


def _address(c: Customer) -> dict[str, Any]:
    country = COUNTRY_BY_CODE[c.country]
    return {
        "first_name": c.first,
        "last_name": c.last,
        "company": None,
        "address1": c.street,
        "address2": c.street2,
        "city": c.city,
        "province": c.province,
        "country": country.name,
        "zip": c.zip,
        "phone": c.phone,
        "name": f"{c.first or ''} {c.last or ''}".strip(),
        "province_code": None,
        "country_code": country.code,
        "country_name": country.name,
    }


def render_customer(c: Customer) -> dict[str, Any]:
    cid = shopify_customer_id(c.seq)
    if c.subscribed:
        consent = "subscribed"
    else:
        consent = "not_subscribed" if c.consent_updated == c.created else "unsubscribed"
    record: dict[str, Any] = {
        "id": cid,
        "email": c.email,
        "created_at": _ts(c.created),
        "updated_at": cursor_value(c.defect, c.updated, _ts),
        "first_name": c.first,
        "last_name": c.last,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "tags": "VIP" if c.person.activity > 2.5 else "",
        "currency": COUNTRY_BY_CODE[c.country].currency,
        "phone": c.phone,
        "tax_exemptions": [],
        "email_marketing_consent": {
            "state": consent,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": _ts(c.consent_updated),
        },
        "sms_marketing_consent": {
            "state": "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": None,
            "consent_collected_from": "OTHER",
        }
        if c.phone
        else None,
        "admin_graphql_api_id": f"gid://shopify/Customer/{cid}",
        "addresses": [],
    }
    if c.street:
        address = {"id": cid + 2_000_000_000_000, "customer_id": cid, **_address(c), "default": True}
        record["addresses"] = [address]
        record["default_address"] = address
    if c.defect == "invalid_email":
        record["email"] = invalid_email(c.email, c.seq)
    elif c.defect == "long_string":
        record["note"] = LONG_STRING
    elif c.defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
    elif c.defect == "wrong_type":
        record["verified_email"] = "yes"
    elif c.defect == "invalid_utf8":
        record["last_name"] = legacy_bytes(c.last)
    return record


def _line_items(order: Order, t: Totals, base_id: int) -> list[dict[str, Any]]:
    items = []
    for i, line in enumerate(t.lines):
        p = PRODUCTS[line.product]
        items.append(
            {
                "id": base_id + i,
                "product_id": p.product_id,
                "variant_id": p.variant_id,
                "sku": p.sku,
                "title": p.title,
                "variant_title": p.variant,
                "name": f"{p.title} - {p.variant}",
                "vendor": p.vendor,
                "quantity": line.quantity,
                "price": decimal_string(line.unit, order.currency),
                "requires_shipping": True,
                "taxable": True,
                "gift_card": p.category == "gift",
                "total_discount": decimal_string(line.discount, order.currency),
            }
        )
    return items


def _customer_stub(c: Customer) -> dict[str, Any]:
    return {
        "id": shopify_customer_id(c.seq),
        "email": c.email,
        "first_name": c.first,
        "last_name": c.last,
        "phone": c.phone,
        "currency": COUNTRY_BY_CODE[c.country].currency,
    }


def _money_fields(order: Order, t: Totals) -> dict[str, str]:
    cur = order.currency
    sign = -1 if order.defect == "negative_amount" else 1
    return {
        "total_price": decimal_string(sign * t.total, cur),
        "subtotal_price": decimal_string(sign * t.total, cur),
        "total_line_items_price": decimal_string(t.gross, cur),
        "total_tax": decimal_string(t.tax, cur),
        "total_discounts": decimal_string(t.discount, cur),
    }


def _apply_order_defect(record: dict[str, Any], defect: str | None) -> None:
    if defect == "wrong_type":
        record["line_items"][0]["quantity"] = "two"
    elif defect == "long_string":
        record["note"] = LONG_STRING
    elif defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]


def render_order(order: Order) -> dict[str, Any]:
    oid, c, t = shopify_order_id(order.seq), order.customer, totals(order)
    assert c is not None, "web orders always have a customer"
    fulfilled = not order.cancelled and order.updated - order.created > 3600
    address = {
        **_address(c),
        "address1": c.street or c.person.street,
        "city": c.city or c.person.city,
        "zip": c.zip or c.person.zip,
    }
    record: dict[str, Any] = {
        "id": oid,
        "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
        "name": f"#{1001 + order.seq}",
        "order_number": 1001 + order.seq,
        "email": c.email,
        "contact_email": c.email,
        "phone": c.phone,
        "created_at": _ts(order.created),
        "updated_at": cursor_value(order.defect, order.updated, _ts),
        "processed_at": _ts(order.created),
        "cancelled_at": _ts(order.updated) if order.cancelled else None,
        "cancel_reason": "customer" if order.cancelled else None,
        "closed_at": None,
        "currency": order.currency,
        "presentment_currency": order.currency,
        **_money_fields(order, t),
        "taxes_included": True,
        "financial_status": "voided" if order.cancelled else "paid",
        "fulfillment_status": "fulfilled" if fulfilled else None,
        "source_name": "web",
        "note": None,
        "tags": "",
        "test": False,
        "confirmed": True,
        "buyer_accepts_marketing": c.subscribed,
        "customer_locale": COUNTRY_BY_CODE[order.country].locale.replace("_", "-"),
        "payment_gateway_names": [_GATEWAYS[order.tender]],
        "customer": _customer_stub(c),
        "billing_address": address,
        "shipping_address": address,
        "line_items": _line_items(order, t, 14_000_000_000_000 + order.seq * 8),
        "discount_codes": [
            {
                "code": f"SAVE{order.discount_pct}",
                "amount": decimal_string(t.discount, order.currency),
                "type": "percentage",
            }
        ]
        if order.discount_pct
        else [],
    }
    _apply_order_defect(record, order.defect)
    return record


def render_checkout(order: Order) -> dict[str, Any]:
    checkout_id, token, c = shopify_checkout_id(order.seq), shopify_checkout_token(order.seq), order.customer
    t = totals(order)
    assert c is not None, "checkouts always have a customer"
    record: dict[str, Any] = {
        "id": checkout_id,
        "token": token,
        "cart_token": token[::-1],
        "email": c.email,
        "phone": c.phone,
        "gateway": None,
        "buyer_accepts_marketing": c.subscribed,
        "created_at": _ts(order.created),
        "updated_at": _ts(order.updated),
        "completed_at": None,
        "closed_at": None,
        "currency": order.currency,
        "presentment_currency": order.currency,
        "taxes_included": True,
        "note": None,
        "source_name": "web",
        **_money_fields(order, t),
        "customer": _customer_stub(c),
        "line_items": _line_items(order, t, 0),
        "billing_address": _address(c) if c.street else None,
        "shipping_address": _address(c) if c.street else None,
        "customer_locale": COUNTRY_BY_CODE[order.country].locale.replace("_", "-"),
        "abandoned_checkout_url": f"https://{SHOP_DOMAIN}/checkouts/ac/{token}/recover?key={token[:16]}",
    }
    for line in record["line_items"]:
        line.pop("id")
        line["key"] = f"{line['variant_id']}"
    _apply_order_defect(record, order.defect)
    return record


class _Resource:
    """One listable resource: its records (list index == seq == id order) and how to show them."""

    def __init__(
        self,
        name: str,
        items: list[Any],
        id_of: Callable[[int], int],
        render: Callable[[Any], dict[str, Any]],
        statuses: dict[str, Callable[[Any], bool]],
    ) -> None:
        self.name, self.items, self.id_of, self.render, self.statuses = name, items, id_of, render, statuses


def _index(world: World) -> dict[str, _Resource]:
    return {
        "customers": _Resource("customers", world.customers["shopify"], shopify_customer_id, render_customer, {}),
        "orders": _Resource(
            "orders",
            world.orders["shopify"],
            shopify_order_id,
            render_order,
            {
                "any": lambda o: True,
                "open": lambda o: not o.cancelled,
                "cancelled": lambda o: o.cancelled,
                "closed": lambda o: False,
            },
        ),
        "checkouts": _Resource(
            "checkouts",
            world.checkouts,
            shopify_checkout_id,
            render_checkout,
            {"open": lambda o: True, "closed": lambda o: False},
        ),
    }


def _predicate(filters: dict[str, Any], resource: _Resource) -> Callable[[Any], bool] | None:
    tests: list[Callable[[Any], bool]] = []
    if "updated_at_min" in filters:
        tests.append(lambda r, v=filters["updated_at_min"]: r.updated >= v)
    if "updated_at_max" in filters:
        tests.append(lambda r, v=filters["updated_at_max"]: r.updated <= v)
    if "created_at_min" in filters:
        tests.append(lambda r, v=filters["created_at_min"]: r.created >= v)
    if "created_at_max" in filters:
        tests.append(lambda r, v=filters["created_at_max"]: r.created <= v)
    status = filters.get("status")
    if status in resource.statuses and status != "any":
        tests.append(resource.statuses[status])
    if not tests:
        return None
    return lambda r: all(test(r) for test in tests)


class ShopifyApi:
    """Route handlers over the simulation, with the shop's leaky bucket."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._level = 0.0
        self._last = time.monotonic()
        self._bucket_lock = threading.Lock()

    def _drip(self) -> tuple[bool, int]:
        """Add one call to the bucket; (accepted, calls in the bucket)."""
        with self._bucket_lock:
            now = time.monotonic()
            self._level = max(0.0, self._level - (now - self._last) * self.sim.tuning.shopify_leak_rate)
            self._last = now
            if self._level + 1 > BUCKET_SIZE:
                return False, BUCKET_SIZE
            self._level += 1
            return True, int(self._level + 0.999)

    def _admit(self, request: Request) -> tuple[Response | None, dict[str, str]]:
        if not request.headers.get("x-shopify-access-token", "").strip():
            return error(401, AUTH_ERROR), {}
        accepted, level = self._drip()
        headers = {"X-Shopify-Shop-Api-Call-Limit": f"{level}/{BUCKET_SIZE}"}
        if not accepted:
            refused = fault_response(429)
            refused.headers.update(headers)
            return refused, headers
        return None, headers

    async def shop(self, request: Request) -> Response:
        refused, headers = self._admit(request)
        if refused:
            return refused
        return json_response(
            {
                "shop": {
                    "id": 60_000_000_001,
                    "name": "CDP Demo Store",
                    "email": "owner@example.com",
                    "domain": SHOP_DOMAIN,
                    "myshopify_domain": SHOP_DOMAIN,
                    "iana_timezone": "Asia/Jakarta",
                    "timezone": "(GMT+07:00) Asia/Jakarta",
                    "currency": "IDR",
                    "enabled_presentment_currencies": ["IDR", "VND", "PLN", "USD"],
                    "country_code": "ID",
                }
            },
            headers=headers,
        )

    def _filters(self, request: Request, resource: _Resource) -> dict[str, Any]:
        params, filters = request.query_params, {}
        for name in _TIME_FILTERS:
            if params.get(name):
                try:
                    filters[name] = parse_time(params[name])
                except ValueError:
                    raise ValueError(name) from None
        if params.get("since_id"):
            if not params["since_id"].isdigit():
                raise ValueError("since_id")
            filters["since_id"] = int(params["since_id"])
        default_status = "open" if resource.statuses else None
        status = params.get("status", default_status)
        if status and resource.statuses and status not in resource.statuses:
            raise ValueError("status")
        if status:
            filters["status"] = status
        return filters

    async def count(self, request: Request, resource_name: str) -> Response:
        refused, headers = self._admit(request)
        if refused:
            return refused
        resource = self.sim.index(_index)[resource_name]
        try:
            filters = self._filters(request, resource)
        except ValueError as exc:
            return error(400, {str(exc): "Invalid value."})
        accept = _predicate(filters, resource)
        n = len(resource.items) if accept is None else sum(1 for r in resource.items if accept(r))
        return json_response({"count": n}, headers=headers)

    async def listing(self, request: Request, resource_name: str) -> Response:
        refused, headers = self._admit(request)
        if refused:
            return refused
        resource = self.sim.index(_index)[resource_name]
        params = request.query_params
        try:
            limit = min(MAX_LIMIT, max(1, int(params.get("limit", DEFAULT_LIMIT))))
        except ValueError:
            return error(400, {"limit": "Invalid value."})
        if "page_info" in params:
            extra = sorted(set(params) - {"limit", "page_info", "fields"})
            if extra:
                return error(
                    400,
                    {"page_info": f"page_info cannot be combined with other filters than limit ({', '.join(extra)})"},
                )
            try:
                cursor = decode_cursor(params["page_info"])
                direction, boundary, filters = cursor["d"], int(cursor["s"]), dict(cursor["f"])
            except (ValueError, KeyError, TypeError):
                return error(400, {"page_info": "Invalid value."})
        else:
            try:
                filters = self._filters(request, resource)
            except ValueError as exc:
                return error(400, {str(exc): "Invalid value."})
            direction, boundary = "n", -1
            if "since_id" in filters:
                ids = range(len(resource.items))
                boundary = bisect_right(ids, filters["since_id"], key=resource.id_of) - 1
        items, accept = resource.items, _predicate(filters, resource)
        if direction == "p":
            rows = ((i, items[i]) for i in range(boundary - 1, -1, -1))
            page, _, more_before = take(rows, accept, limit)
            page.reverse()
            more_after = True
        else:
            rows = ((i, items[i]) for i in range(boundary + 1, len(items)))
            page, _, more_after = take(rows, accept, limit)
            more_before = "page_info" in params
        links = []
        base = f"{str(request.base_url).rstrip('/')}{request.url.path}"
        keep = {"limit": params["limit"]} if "limit" in params else {}
        if page and more_before:
            token = encode_cursor({"d": "p", "s": page[0].seq, "f": filters})
            links.append(f'<{base}?{urlencode({**keep, "page_info": token})}>; rel="previous"')
        if page and more_after:
            token = encode_cursor({"d": "n", "s": page[-1].seq, "f": filters})
            links.append(f'<{base}?{urlencode({**keep, "page_info": token})}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return json_response({resource.name: [resource.render(r) for r in page]}, headers=headers)

    def routes(self) -> list[Route]:
        prefix = "/admin/api/{version}"
        routes = [Route(f"{prefix}/shop.json", self.shop)]
        for name in ("customers", "orders", "checkouts"):
            routes.append(Route(f"{prefix}/{name}/count.json", partial(self.count, resource_name=name)))
            routes.append(Route(f"{prefix}/{name}.json", partial(self.listing, resource_name=name)))
        return routes
