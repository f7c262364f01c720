"""E-commerce source: customers, orders and abandoned checkouts from the Shopify Admin REST API.

Declarative (`rest_api`): cursor pagination through the `Link` header, incremental on `updated_at`
(sent as `updated_at_min`), merged on `id`. Config keys (`.dlt/config.toml`, `.dlt/secrets.toml` or env):

    [sources.shopify]
    base_url = "https://<shop>.myshopify.com"     # SOURCES__SHOPIFY__BASE_URL
    access_token = "shpat_..."                    # SOURCES__SHOPIFY__ACCESS_TOKEN (secret)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.rest_api import rest_api_resources

from dlt_sources.common.http import retrying_session
from dlt_sources.common.quarantine import (
    check_amount,
    check_email,
    check_line_items,
    check_required_timestamp,
    check_short_strings,
    check_types,
    screen,
)
from dlt_sources.shopify.settings import API_VERSION, PAGE_SIZE, START_DATE

_CUSTOMER_CHECKS = [
    check_required_timestamp("updated_at"),
    check_email("email"),
    check_short_strings("first_name", "last_name", "email", "phone"),
    check_types(id=int, verified_email=bool),
]
_ORDER_CHECKS = [
    check_types(id=int),
    check_required_timestamp("updated_at"),
    check_required_timestamp("created_at"),
    check_email("email"),
    check_amount(lambda o: o.get("total_price"), "total_price"),
    check_line_items("line_items", "quantity", lambda line: line.get("price")),
]
_CHECKOUT_CHECKS = [
    check_required_timestamp("updated_at"),
    check_amount(lambda c: c.get("total_price"), "total_price"),
]


def _endpoint(path: str, selector: str, start_date: str, extra_params: dict[str, Any] | None = None) -> dict:
    return {
        "path": path,
        "data_selector": selector,
        "params": {"limit": PAGE_SIZE, **(extra_params or {})},
        "incremental": {
            "cursor_path": "updated_at",
            "start_param": "updated_at_min",
            "initial_value": start_date,
            # A record without a valid updated_at is screened into quarantine, not a crash of the load.
            "on_cursor_value_missing": "include",
        },
    }


@dlt.source(name="shopify")
def shopify_source(
    base_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    api_version: str = API_VERSION,
    start_date: str = START_DATE,
    request_timeout: float = 30.0,
) -> Sequence[DltResource]:
    """The shop's customers, orders (with line items) and abandoned checkouts."""
    return rest_api_resources(
        {
            "client": {
                "base_url": f"{base_url.rstrip('/')}/admin/api/{api_version}/",
                "headers": {"X-Shopify-Access-Token": access_token},
                "paginator": {"type": "header_link"},
                "session": retrying_session(request_timeout),
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                {
                    "name": "customers",
                    "endpoint": _endpoint("customers.json", "customers", start_date),
                    "processing_steps": [{"yield_map": screen("customers", "id", _CUSTOMER_CHECKS)}],
                },
                {
                    "name": "orders",
                    "endpoint": _endpoint("orders.json", "orders", start_date, {"status": "any"}),
                    "processing_steps": [{"yield_map": screen("orders", "id", _ORDER_CHECKS)}],
                },
                {
                    "name": "checkouts",
                    "endpoint": _endpoint("checkouts.json", "checkouts", start_date),
                    "processing_steps": [{"yield_map": screen("checkouts", "id", _CHECKOUT_CHECKS)}],
                },
            ],
        }
    )
