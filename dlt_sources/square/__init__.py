"""POS source: locations, customers, orders, payments and loyalty (program, accounts, events) from Square's v2 API.

Customers and payments are declarative (`rest_api`); orders need every location ID in the request body,
so that resource reads the locations first. Every cursor is compared as an instant (`common/cursor.py`), and each
record is screened (its cursor first) before dlt's incremental step sees it. Money stays in integer minor units
here, as Square sends it; staging converts it with the currency's ISO 4217 exponent. Config keys:

    [sources.square]
    base_url = "https://connect.squareup.com"      # SOURCES__SQUARE__BASE_URL
    access_token = "EAAA..."                       # SOURCES__SQUARE__ACCESS_TOKEN (secret)
    loyalty = true                                 # SOURCES__SQUARE__LOYALTY (false: a seller without Square
                                                   # Loyalty; its resources then load nothing)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from dlt.sources.rest_api import rest_api_resources

from dlt_sources.common.cursor import SourceClock, latest
from dlt_sources.common.http import checked_json, retrying_session
from dlt_sources.common.quarantine import (
    check_amount,
    check_cursor,
    check_date,
    check_email,
    check_line_items,
    check_required_timestamp,
    check_short_strings,
    check_types,
    is_quarantine_row,
    screen,
)
from dlt_sources.square.loyalty import loyalty_resources
from dlt_sources.square.settings import (
    CUSTOMERS_PAGE_SIZE,
    LOCATIONS_PER_ORDER_SEARCH,
    ORDERS_PAGE_SIZE,
    PAYMENTS_PAGE_SIZE,
    START_DATE,
)


def _money(record: dict[str, Any], key: str) -> Any:
    money = record.get(key)
    return money.get("amount") if isinstance(money, dict) else money


_CUSTOMER_CHECKS = [
    check_email("email_address"),
    check_date("birthday"),
    check_short_strings("given_name", "family_name", "email_address", "phone_number"),
    check_types(version=int),
]
_ORDER_CHECKS = [
    check_required_timestamp("created_at"),
    check_amount(lambda o: _money(o, "total_money"), "total_money.amount"),
    check_line_items("line_items", "quantity", lambda line: _money(line, "base_price_money")),
]
_PAYMENT_CHECKS = [
    check_amount(lambda p: _money(p, "amount_money"), "amount_money.amount"),
]


@dlt.source(name="square")
def square_source(
    base_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    start_date: str = START_DATE,
    request_timeout: float = 30.0,
    loyalty: bool = True,
) -> Sequence[DltResource]:
    """The merchant's store locations, customer directory, orders (with line items and tenders), payments and loyalty
    program with its accounts and their events."""
    api_url = f"{base_url.rstrip('/')}/v2/"
    auth = BearerTokenAuth(access_token)
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    declarative = rest_api_resources(
        {
            "client": {"base_url": api_url, "auth": auth, "session": session},
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                {
                    "name": "locations",
                    "write_disposition": "replace",
                    "endpoint": {
                        "path": "locations",
                        "data_selector": "locations",
                        "paginator": "single_page",
                    },
                },
                {
                    "name": "customers",
                    "endpoint": {
                        "path": "customers/search",
                        "method": "POST",
                        "data_selector": "customers",
                        "paginator": {
                            "type": "cursor",
                            "cursor_path": "cursor",
                            "cursor_body_path": "cursor",
                        },
                        "json": {
                            "limit": CUSTOMERS_PAGE_SIZE,
                            "query": {
                                "filter": {"updated_at": {"start_at": "{incremental.start_value}"}},
                                "sort": {"field": "CREATED_AT", "order": "ASC"},
                            },
                        },
                        "incremental": {
                            "cursor_path": "updated_at",
                            "initial_value": start_date,
                            "last_value_func": latest,
                            # Quarantine rows of the screening step carry no cursor: they pass through.
                            "on_cursor_value_missing": "include",
                        },
                    },
                    "processing_steps": [
                        {"yield_map": screen("customers", "id", [check_cursor("updated_at", clock), *_CUSTOMER_CHECKS])}
                    ],
                },
                {
                    "name": "payments",
                    "endpoint": {
                        "path": "payments",
                        "data_selector": "payments",
                        "paginator": {"type": "cursor", "cursor_path": "cursor", "cursor_param": "cursor"},
                        "params": {"limit": PAYMENTS_PAGE_SIZE, "sort_order": "ASC"},
                        "incremental": {
                            "cursor_path": "created_at",
                            "start_param": "begin_time",
                            "initial_value": start_date,
                            "last_value_func": latest,
                            "on_cursor_value_missing": "include",
                        },
                    },
                    "processing_steps": [
                        {"yield_map": screen("payments", "id", [check_cursor("created_at", clock), *_PAYMENT_CHECKS])}
                    ],
                },
            ],
        }
    )
    client = RESTClient(base_url=api_url, auth=auth, session=session)
    customers = next(resource for resource in declarative if resource.name == "customers")
    return [
        *declarative,
        _consent_observations(customers, clock),
        _orders(client, start_date, clock),
        *loyalty_resources(client, start_date, clock, loyalty),
    ]


def _consent_observations(customers: DltResource, clock: SourceClock) -> DltResource:
    """The email preference of every customer each load brings, at the source's clock.

    Square keeps no time for a preference, and any edit moves the customer's `updated_at`; this history of what each
    load saw is what tells when a preference changed (the first load that saw the new one). It lives in the raw
    schema, beside what it describes, so that the models rebuild the same consent from it on every full refresh.
    """

    @dlt.transformer(
        data_from=customers,
        name="consent_observations",
        primary_key=("customer_id", "observed_at"),
        write_disposition="merge",
    )
    def consent_observations(records: Any, meta: Any = None) -> Iterator[dict[str, Any]]:
        if is_quarantine_row(meta):
            return
        for record in records if isinstance(records, list) else [records]:
            unsubscribed = (record.get("preferences") or {}).get("email_unsubscribed")
            if isinstance(unsubscribed, bool):
                yield {"customer_id": record["id"], "email_unsubscribed": unsubscribed, "observed_at": clock.now()}

    return consent_observations


def _orders(client: RESTClient, start_date: str, clock: SourceClock) -> DltResource:
    @dlt.resource(name="orders", primary_key="id", write_disposition="merge")
    def orders(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updated_at", initial_value=start_date, last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        location_ids = [loc["id"] for loc in checked_json(client.get("locations")).get("locations", [])]
        for first in range(0, len(location_ids), LOCATIONS_PER_ORDER_SEARCH):
            body = {
                "location_ids": location_ids[first : first + LOCATIONS_PER_ORDER_SEARCH],
                "limit": ORDERS_PAGE_SIZE,
                "query": {
                    "filter": {"date_time_filter": {"updated_at": {"start_at": updated_at.start_value}}},
                    "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
                },
            }
            paginator = JSONResponseCursorPaginator(cursor_path="cursor", cursor_body_path="cursor")
            yield from client.paginate(
                "orders/search", method="POST", json=body, paginator=paginator, data_selector="orders"
            )

    # dlt places a yield_map before the incremental step (its placement affinity): rejected orders never reach it.
    return orders().add_yield_map(screen("orders", "id", [check_cursor("updated_at", clock), *_ORDER_CHECKS]))
