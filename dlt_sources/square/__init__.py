"""POS source: locations, customers, orders, payments and loyalty (program, accounts, events) from Square's v2 API.

Each resource pages through its endpoint (cursor in the body or the query), fetching a batch of pages ahead while
the previous batch is screened (orders, payments and loyalty events in time slices listed at once,
`common/slices.py`), and reads each batch's pages into arrow tables at once (`common/pages.py`): raw columns keep
Square's field names, nested objects flattened with `__` (`total_money__amount`), line items and tenders in child
tables. Every cursor is an instant (`common/cursor.py`). Money stays in integer minor units, as Square sends
it; staging converts it with the currency's ISO 4217 exponent. Config keys:

    [sources.square]
    base_url = "https://connect.squareup.com"      # SOURCES__SQUARE__BASE_URL
    access_token = "EAAA..."                       # SOURCES__SQUARE__ACCESS_TOKEN (secret)
    loyalty = true                                 # SOURCES__SQUARE__LOYALTY (false: a seller without Square
                                                   # Loyalty; its resources then load nothing)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.http import retrying_session
from dlt_sources.common.pages import MERGE, Child, Entity, Page, PageLoader
from dlt_sources.common.quarantine import amount, email, is_quarantine_item, non_negative_number, real_date, short_texts
from dlt_sources.common.tables import BOOL, INT, LOOSE, TIME, Column, column
from dlt_sources.square.api import SquareApi, incremental, square_time, square_time_range
from dlt_sources.square.loyalty import loyalty_resources
from dlt_sources.square.settings import (
    CUSTOMERS_PAGE_SIZE,
    LOCATIONS_PER_ORDER_SEARCH,
    ORDERS_PAGE_SIZE,
    PAYMENTS_PAGE_SIZE,
    START_DATE,
)


def _money(name: str) -> tuple[Column, ...]:
    return (
        column(f"{name}__amount", f"{name}.amount", LOOSE, cast="bigint", json=pa.int64()),
        column(f"{name}__currency", f"{name}.currency"),
    )


def _card() -> tuple[Column, ...]:
    return (
        column("card_details__status", "card_details.status"),
        column("card_details__entry_method", "card_details.entry_method"),
        column("card_details__card__card_brand", "card_details.card.card_brand"),
        column("card_details__card__last_4", "card_details.card.last_4"),
        column("card_details__card__fingerprint", "card_details.card.fingerprint"),
        column("wallet_details__status", "wallet_details.status"),
        column("wallet_details__brand", "wallet_details.brand"),
    )


_ADDRESS = tuple(
    column(f"address__{f}", f"address.{f}")
    for f in (
        "address_line_1",
        "address_line_2",
        "locality",
        "administrative_district_level_1",
        "postal_code",
        "country",
    )
)

LOCATIONS = Entity(
    name="locations",
    columns=(
        column("id"),
        column("name"),
        column("timezone"),
        column("status"),
        column("country"),
        column("currency"),
        column("language_code"),
        column("business_name"),
        column("type"),
        column("merchant_id"),
        column("created_at", kind=TIME),
        *_ADDRESS,
    ),
)

CUSTOMERS = Entity(
    name="customers",
    columns=(
        column("id"),
        column("created_at", kind=TIME),
        column("updated_at", kind=TIME),
        column("given_name"),
        column("family_name"),
        column("email_address"),
        column("phone_number"),
        column("birthday"),
        column("note"),
        column("preferences__email_unsubscribed", "preferences.email_unsubscribed", BOOL),
        column("creation_source"),
        column("version", kind=INT),
        column("reference_id"),
        *_ADDRESS,
    ),
    cursor="updated_at",
    checks=(
        email("email_address"),
        real_date("birthday"),
        *short_texts("given_name", "family_name", "email_address", "phone_number"),
    ),
)

_LINE_ITEMS = Child(
    "line_items",
    ("line_items",),
    columns=(
        column("uid"),
        column("catalog_object_id"),
        column("catalog_version", kind=LOOSE, cast="bigint", json=pa.int64()),
        column("quantity", kind=LOOSE),
        column("name"),
        column("variation_name"),
        column("item_type"),
        column("note"),
        *_money("base_price_money"),
        *_money("gross_sales_money"),
        *_money("total_tax_money"),
        *_money("total_discount_money"),
        *_money("total_money"),
        *_money("variation_total_price_money"),
    ),
    checks=(
        non_negative_number("quantity", "line_items.quantity"),
        *amount("base_price_money__amount", "line_items price"),
    ),
)
_TENDERS = Child(
    "tenders",
    ("tenders",),
    columns=(
        column("id"),
        column("location_id"),
        column("transaction_id"),
        column("created_at", kind=TIME),
        *_money("amount_money"),
        column("type"),
        column("payment_id"),
        column("customer_id"),
        *_card(),
    ),
)

# How a sale fulfilled later reaches the buyer (PICKUP, SHIPMENT, DELIVERY); a sale carried out of the store has none.
_FULFILLMENTS = Child("fulfillments", ("fulfillments",), columns=(column("uid"), column("type"), column("state")))

ORDERS = Entity(
    name="orders",
    columns=(
        column("id"),
        column("location_id"),
        column("customer_id"),
        column("source__name", "source.name"),
        column("created_at", kind=TIME),
        column("updated_at", kind=TIME),
        column("closed_at", kind=TIME),
        column("state"),
        column("version", kind=LOOSE, cast="bigint", json=pa.int64()),
        *_money("total_money"),
        *_money("total_tax_money"),
        *_money("total_discount_money"),
        *_money("total_tip_money"),
        *_money("total_service_charge_money"),
    ),
    cursor="updated_at",
    required_times=("created_at",),
    checks=tuple(amount("total_money__amount", "total_money.amount")),
    children=(_LINE_ITEMS, _TENDERS, _FULFILLMENTS),
)

PAYMENTS = Entity(
    name="payments",
    columns=(
        column("id"),
        column("created_at", kind=TIME),
        column("updated_at", kind=TIME),
        *_money("amount_money"),
        *_money("total_money"),
        *_money("approved_money"),
        column("status"),
        column("source_type"),
        *_card(),
        column("location_id"),
        column("order_id"),
        column("customer_id"),
        column("receipt_number"),
    ),
    cursor="created_at",
    checks=tuple(amount("amount_money__amount", "amount_money.amount")),
)


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
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    api = SquareApi(session, clock, base_url, access_token)
    start = datetime.fromisoformat(start_date)
    customers = incremental(
        CUSTOMERS,
        clock,
        start,
        lambda since: api.pages(
            "POST",
            "customers/search",
            "customers",
            {
                "limit": CUSTOMERS_PAGE_SIZE,
                "query": {
                    "filter": {"updated_at": {"start_at": square_time(since)}},
                    "sort": {"field": "CREATED_AT", "order": "ASC"},
                },
            },
            in_body=True,
            entity=CUSTOMERS,
        ),
    )
    payments = incremental(
        PAYMENTS,
        clock,
        start,
        lambda since: api.sliced_pages(
            "GET",
            "payments",
            "payments",
            in_body=False,
            entity=PAYMENTS,
            since=since,
            limit=PAYMENTS_PAGE_SIZE,
            filters=[_payments_between],
        ),
    )
    orders = incremental(ORDERS, clock, start, lambda since: _order_pages(api, since))
    return [
        _locations(api, clock),
        customers,
        _consent_observations(customers, clock),
        orders,
        payments,
        *loyalty_resources(api, clock, start, loyalty),
    ]


def _payments_between(begin: datetime, end: datetime | None) -> dict[str, Any]:
    # Without `end_time`, Square lists up to the present. No record lies on a cut (common/slices.py), so whether
    # Square's ends are inclusive does not matter.
    return {"sort_order": "ASC", "begin_time": square_time(begin), **({"end_time": square_time(end)} if end else {})}


def _order_pages(api: SquareApi, since: datetime) -> Iterator[Page]:
    # orders/search takes at most ten locations a request: every location's orders, ten locations a listing.
    location_ids = api.location_ids()
    groups = [
        location_ids[first : first + LOCATIONS_PER_ORDER_SEARCH]
        for first in range(0, len(location_ids), LOCATIONS_PER_ORDER_SEARCH)
    ]
    yield from api.sliced_pages(
        "POST",
        "orders/search",
        "orders",
        in_body=True,
        entity=ORDERS,
        since=since,
        limit=ORDERS_PAGE_SIZE,
        filters=[partial(_orders_between, group) for group in groups],
    )


def _orders_between(location_ids: list[str], begin: datetime, end: datetime | None) -> dict[str, Any]:
    # By modification time: an order edited while it is listed moves to a later part, and the loader keeps one of
    # the two it then meets (common/pages.py: the latest, or the cursor stops at it), as when a listing meets it twice.
    return {
        "location_ids": location_ids,
        "query": {
            "filter": {"date_time_filter": {"updated_at": square_time_range(begin, end)}},
            "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
        },
    }


def _locations(api: SquareApi, clock: SourceClock) -> DltResource:
    # Always read whole: orders need every location ID, and there are few.
    @dlt.resource(name="locations", primary_key="id", write_disposition="replace")
    def locations() -> Iterator[Any]:
        data, lossy = api.call("GET", "locations")
        yield from PageLoader(LOCATIONS, clock).page(data.get("locations") or [], lossy)

    return locations


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
        write_disposition=MERGE,
    )
    def consent_observations(table: Any, meta: Any = None) -> Iterator[Any]:
        if (
            is_quarantine_item(meta)
            or not isinstance(table, pa.Table)
            or "preferences__email_unsubscribed" not in table.column_names
        ):
            return
        seen = table.filter(pc.is_valid(table["preferences__email_unsubscribed"]))
        if len(seen):
            yield pa.table(
                {
                    "customer_id": seen["id"],
                    "email_unsubscribed": seen["preferences__email_unsubscribed"],
                    "observed_at": pa.array([clock.now()] * len(seen), pa.timestamp("us", tz="UTC")),
                }
            )

    return consent_observations
