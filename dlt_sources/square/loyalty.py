"""Square Loyalty: the program, its accounts and the ledger of their events (Square's Loyalty API, v2).

Read through the Square source's own client, session and clock (same credential, which needs the `LOYALTY_READ`
permission). A merchant without Square Loyalty turns these resources off with `sources.square.loyalty = false`; they
then load nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.cursor import SourceClock, latest
from dlt_sources.common.http import checked_json
from dlt_sources.common.quarantine import check_cursor, check_types, screen
from dlt_sources.square.settings import LOYALTY_ACCOUNTS_PAGE_SIZE, LOYALTY_EVENTS_PAGE_SIZE

_ACCOUNT_CHECKS = [check_types(balance=int, lifetime_points=int)]
_EVENT_CHECKS = [check_types(loyalty_account_id=str, type=str)]


def loyalty_resources(client: RESTClient, start_date: str, clock: SourceClock, enabled: bool) -> list[DltResource]:
    """The program, the accounts and the events, merged on their IDs and loaded when they change."""
    return [
        _program(client, clock, enabled),
        _accounts(client, clock, enabled),
        _events(client, start_date, clock, enabled),
    ]


def search(client: RESTClient, path: str, body: dict[str, Any], key: str) -> Iterator[list[dict[str, Any]]]:
    """Every page of a Square search endpoint: the cursor of each answer goes back in the next request's body."""
    body = dict(body)
    while True:
        data = checked_json(client.post(path, json=body))
        yield data.get(key, [])
        if not data.get("cursor"):
            return
        body["cursor"] = data["cursor"]


def _program(client: RESTClient, clock: SourceClock, enabled: bool) -> DltResource:
    @dlt.resource(name="loyalty_program", primary_key="id", write_disposition="merge")
    def loyalty_program(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updated_at", last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        if enabled:
            # A seller has one program, `main`; it is loaded again only when the seller changes it.
            yield checked_json(client.get("loyalty/programs/main"))["program"]

    return loyalty_program().add_yield_map(screen("loyalty_program", "id", [check_cursor("updated_at", clock)]))


def _accounts(client: RESTClient, clock: SourceClock, enabled: bool) -> DltResource:
    @dlt.resource(name="loyalty_accounts", primary_key="id", write_disposition="merge")
    def loyalty_accounts(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "updated_at", last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        # The account search filters by phone or customer only: every account is listed, and the incremental step
        # keeps those changed since the last load (a balance moves with every event, and so does updated_at).
        if enabled:
            yield from search(
                client, "loyalty/accounts/search", {"limit": LOYALTY_ACCOUNTS_PAGE_SIZE}, "loyalty_accounts"
            )

    return loyalty_accounts().add_yield_map(
        screen("loyalty_accounts", "id", [check_cursor("updated_at", clock), *_ACCOUNT_CHECKS])
    )


def _events(client: RESTClient, start_date: str, clock: SourceClock, enabled: bool) -> DltResource:
    # Merged on their IDs, though events never change: a load replayed after a crash re-reads its first page.
    @dlt.resource(name="loyalty_events", primary_key="id", write_disposition="merge")
    def loyalty_events(
        created_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            "created_at", initial_value=start_date, last_value_func=latest, on_cursor_value_missing="include"
        ),
    ) -> Iterator[Any]:
        if not enabled:
            return
        # Square returns the newest first; the whole range since the last load is read before the cursor moves.
        body = {
            "limit": LOYALTY_EVENTS_PAGE_SIZE,
            "query": {"filter": {"date_time_filter": {"created_at": {"start_at": created_at.start_value}}}},
        }
        yield from search(client, "loyalty/events/search", body, "events")

    return loyalty_events().add_yield_map(
        screen("loyalty_events", "id", [check_cursor("created_at", clock), *_EVENT_CHECKS])
    )
