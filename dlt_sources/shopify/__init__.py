"""E-commerce source: customers, orders and abandoned checkouts from the Shopify Admin REST API.

Declarative (`rest_api`): cursor pagination through the `Link` header, incremental on `updated_at`
(sent as `updated_at_min`, compared as an instant: `common/cursor.py`), merged on `id`. Config keys
(`.dlt/config.toml`, `.dlt/secrets.toml` or env):

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

from dlt_sources.common.cursor import SourceClock, latest
from dlt_sources.common.http import retrying_session
from dlt_sources.common.quarantine import (
    Check,
    check_amount,
    check_cursor,
    check_email,
    check_line_items,
    check_required_timestamp,
    check_short_strings,
    check_types,
    screen,
)
from dlt_sources.shopify.settings import API_VERSION, CURSOR, PAGE_SIZE, START_DATE

_CUSTOMER_CHECKS = [
    check_email("email"),
    check_short_strings("first_name", "last_name", "email", "phone"),
    check_types(id=int, verified_email=bool),
]
_ORDER_CHECKS = [
    check_types(id=int),
    check_required_timestamp("created_at"),
    check_email("email"),
    check_amount(lambda o: o.get("total_price"), "total_price"),
    check_line_items("line_items", "quantity", lambda line: line.get("price")),
]
_CHECKOUT_CHECKS = [check_amount(lambda c: c.get("total_price"), "total_price")]


def _resource(
    name: str, start_date: str, clock: SourceClock, checks: list[Check], extra_params: dict[str, Any] | None = None
) -> dict:
    """One listing, incremental on `updated_at`; its records screened (the cursor first) before dlt's incremental
    step sees them, so a rejected record never moves the cursor."""
    return {
        "name": name,
        "endpoint": {
            "path": f"{name}.json",
            "data_selector": name,
            "params": {"limit": PAGE_SIZE, **(extra_params or {})},
            "incremental": {
                "cursor_path": CURSOR,
                "start_param": "updated_at_min",
                "initial_value": start_date,
                "last_value_func": latest,
                # Quarantine rows of the screening step carry no cursor: they pass through.
                "on_cursor_value_missing": "include",
            },
        },
        "processing_steps": [{"yield_map": screen(name, "id", [check_cursor(CURSOR, clock), *checks])}],
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
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    return rest_api_resources(
        {
            "client": {
                "base_url": f"{base_url.rstrip('/')}/admin/api/{api_version}/",
                "headers": {"X-Shopify-Access-Token": access_token},
                "paginator": {"type": "header_link"},
                "session": session,
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                _resource("customers", start_date, clock, _CUSTOMER_CHECKS),
                _resource("orders", start_date, clock, _ORDER_CHECKS, {"status": "any"}),
                _resource("checkouts", start_date, clock, _CHECKOUT_CHECKS),
            ],
        }
    )
