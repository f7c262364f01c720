"""Square Loyalty: the program, its accounts and the ledger of their events (Square's Loyalty API, v2).

Read through the Square source's own session, clock and pages (same credential, which needs the `LOYALTY_READ`
permission); each page becomes arrow tables as the other Square resources do (`common/pages.py`). A merchant without
Square Loyalty turns these resources off with `sources.square.loyalty = false`; they then load nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from dlt.sources import DltResource

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.pages import Child, Entity, Page
from dlt_sources.common.tables import INT, TIME, Column, column
from dlt_sources.square.api import SquareApi, incremental, square_time_range
from dlt_sources.square.settings import LOYALTY_ACCOUNTS_PAGE_SIZE, LOYALTY_EVENTS_PAGE_SIZE

LOYALTY_PROGRAM = Entity(
    name="loyalty_program",
    columns=(
        column("id"),
        column("status"),
        column("created_at", kind=TIME),
        column("updated_at", kind=TIME),
    ),
    cursor="updated_at",
    children=(
        Child(
            "reward_tiers",
            ("reward_tiers",),
            columns=(column("id"), column("points", kind=INT), column("name"), column("created_at", kind=TIME)),
        ),
    ),
)

LOYALTY_ACCOUNTS = Entity(
    name="loyalty_accounts",
    columns=(
        column("id"),
        column("program_id"),
        column("balance", kind=INT),
        column("lifetime_points", kind=INT),
        column("customer_id"),
        column("enrolled_at", kind=TIME),
        column("created_at", kind=TIME),
        column("updated_at", kind=TIME),
        column("mapping__id", "mapping.id"),
        column("mapping__created_at", "mapping.created_at", TIME),
        column("mapping__phone_number", "mapping.phone_number"),
    ),
    cursor="updated_at",
    children=(
        Child(
            "expiring_point_deadlines",
            ("expiring_point_deadlines",),
            columns=(column("points", kind=INT), column("expires_at", kind=TIME)),
        ),
    ),
)


def _details(
    kind: str, points: bool = True, reward: bool = False, order: bool = False, reason: bool = False
) -> tuple[Column, ...]:
    """The columns of an event type's own object (`accumulate_points`, `create_reward`, ...)."""
    wanted = [("loyalty_program_id", True), ("reward_id", reward), ("order_id", order), ("reason", reason)]
    return (
        *(column(f"{kind}__{name}", f"{kind}.{name}") for name, on in wanted if on),
        *((column(f"{kind}__points", f"{kind}.points", INT),) if points else ()),
    )


LOYALTY_EVENTS = Entity(
    name="loyalty_events",
    columns=(
        column("id"),
        column("type"),
        column("created_at", kind=TIME),
        column("loyalty_account_id"),
        column("location_id"),
        column("source"),
        *_details("accumulate_points", order=True),
        *_details("create_reward", reward=True),
        *_details("redeem_reward", points=False, reward=True, order=True),
        *_details("delete_reward", reward=True),
        *_details("adjust_points", reason=True),
        *_details("expire_points"),
    ),
    cursor="created_at",
)


def _events_between(begin: datetime, end: datetime | None) -> dict[str, Any]:
    return {"query": {"filter": {"date_time_filter": {"created_at": square_time_range(begin, end)}}}}


def loyalty_resources(api: SquareApi, clock: SourceClock, start: datetime, enabled: bool) -> list[DltResource]:
    """The program, the accounts and the events, merged on their IDs and loaded when they change (nothing when
    loyalty is turned off)."""

    def program(since: datetime) -> Iterator[Page]:
        # A seller has one program, `main`; the cursor loads it again only when the seller changes it.
        if enabled:
            data, lossy = api.call("GET", "loyalty/programs/main")
            yield [data["program"]], lossy

    def accounts(since: datetime) -> Iterator[Page]:
        # The account search filters by phone or customer only: every account is listed, and the cursor keeps those
        # changed since the last load (a balance moves with every event, and so does updated_at).
        if enabled:
            body = {"limit": LOYALTY_ACCOUNTS_PAGE_SIZE}
            yield from api.pages("POST", "loyalty/accounts/search", "loyalty_accounts", body, True, LOYALTY_ACCOUNTS)

    def events(since: datetime) -> Iterator[Page]:
        # Square returns the newest first; the whole range since the last load is read before the cursor moves.
        if enabled:
            yield from api.sliced_pages(
                "POST",
                "loyalty/events/search",
                "events",
                in_body=True,
                entity=LOYALTY_EVENTS,
                since=since,
                limit=LOYALTY_EVENTS_PAGE_SIZE,
                filters=[_events_between],
            )

    # Merged on their IDs, events too though they never change: a load replayed after a crash reads its pages again.
    return [
        incremental(LOYALTY_PROGRAM, clock, start, program),
        incremental(LOYALTY_ACCOUNTS, clock, start, accounts),
        incremental(LOYALTY_EVENTS, clock, start, events),
    ]
