"""Square's Loyalty API (v2): the program, account search and event search, shaped and paged as Square does.

Accounts come in order of creation, events newest first (Square sorts event searches by ``created_at`` descending);
both page with an opaque cursor. Points are signed as in Square's ledger: what a reward or an expiry takes is
negative, what a deleted reward gives back is positive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalog import STORES
from .ids import (
    LOYALTY_PROGRAM_ID,
    loyalty_account_id,
    loyalty_event_id,
    loyalty_mapping_id,
    loyalty_reward_id,
    loyalty_tier_id,
    square_customer_id,
    square_order_id,
)
from .loyalty import EXPIRY_DAYS, PROGRAM_CREATED, REWARD_TIERS
from .malformed import UNKNOWN_FIELD
from .model import LoyaltyAccount, LoyaltyEvent, World
from .simulation import Simulation
from .square import _limit, _page, _time_range, bearer_token, error
from .web import Ordering, iso_utc, json_body, json_response

ACCOUNTS_MAX_LIMIT = 200
EVENTS_MAX_LIMIT = 30  # Square's default page of loyalty events, and its most
SEARCH_MAX_VALUES = 30  # mappings or customer IDs in one account search
_DETAIL_KEY = {
    "ACCUMULATE_POINTS": "accumulate_points",
    "CREATE_REWARD": "create_reward",
    "REDEEM_REWARD": "redeem_reward",
    "DELETE_REWARD": "delete_reward",
    "ADJUST_POINTS": "adjust_points",
    "EXPIRE_POINTS": "expire_points",
}


def render_program() -> dict[str, Any]:
    created = iso_utc(PROGRAM_CREATED)
    return {
        "id": LOYALTY_PROGRAM_ID,
        "status": "ACTIVE",
        "reward_tiers": [
            {
                "id": loyalty_tier_id(i),
                "points": tier.points,
                "name": tier.name,
                "definition": {
                    "scope": "ORDER",
                    "discount_type": "FIXED_PERCENTAGE",
                    "percentage_discount": str(tier.percentage),
                },
                "created_at": created,
                "pricing_rule_reference": {"object_id": f"PRICINGRULE{i:04d}", "catalog_version": 1},
            }
            for i, tier in enumerate(REWARD_TIERS)
        ],
        "expiration_policy": {"expiration_duration": f"P{EXPIRY_DAYS}D"},
        "terminology": {"one": "Point", "other": "Points"},
        "location_ids": [store.location_id for store in STORES],
        "created_at": created,
        "updated_at": created,
        "accrual_rules": [
            {
                "accrual_type": "SPEND",
                "points": 1,
                "spend_data": {
                    "amount_money": {"amount": 100, "currency": "USD"},
                    "excluded_category_ids": [],
                    "excluded_item_variation_ids": [],
                    "tax_mode": "AFTER_TAX",
                },
            }
        ],
    }


def render_account(account: LoyaltyAccount) -> dict[str, Any]:
    seq = account.customer.seq
    record: dict[str, Any] = {
        "id": loyalty_account_id(seq),
        "program_id": LOYALTY_PROGRAM_ID,
        "balance": account.balance,
        "lifetime_points": account.lifetime,
        "customer_id": square_customer_id(seq),
        "enrolled_at": iso_utc(account.enrolled),
        "created_at": iso_utc(account.enrolled),
        "updated_at": iso_utc(account.updated),
        "mapping": {
            "id": loyalty_mapping_id(seq),
            "created_at": iso_utc(account.enrolled),
            "phone_number": account.phone,
        },
    }
    if account.deadlines:
        record["expiring_point_deadlines"] = [
            {"points": points, "expires_at": iso_utc(expires)} for expires, points in account.deadlines
        ]
    if account.defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
    return record


def render_event(event: LoyaltyEvent) -> dict[str, Any]:
    seq = event.account.customer.seq
    detail: dict[str, Any] = {"loyalty_program_id": LOYALTY_PROGRAM_ID}
    if event.type != "REDEEM_REWARD":
        detail["points"] = event.points
    if event.reward is not None:
        detail["reward_id"] = loyalty_reward_id(seq, event.reward)
    if event.order is not None:
        detail["order_id"] = square_order_id(event.order.seq)
    if event.reason:
        detail["reason"] = event.reason
    record: dict[str, Any] = {
        "id": loyalty_event_id(seq, event.number),
        "type": event.type,
        "created_at": iso_utc(event.created),
        _DETAIL_KEY[event.type]: detail,
        "loyalty_account_id": loyalty_account_id(seq),
        "source": "LOYALTY_API" if event.type in ("ADJUST_POINTS", "EXPIRE_POINTS") else "SQUARE",
    }
    if event.store is not None and event.store >= 0:
        record["location_id"] = STORES[event.store].location_id
    if event.defect == "unknown_field":
        record[UNKNOWN_FIELD[0]] = UNKNOWN_FIELD[1]
    return record


@dataclass(frozen=True, slots=True)
class _Index:
    accounts: Ordering[LoyaltyAccount]  # by creation (enrolment)
    events: Ordering[LoyaltyEvent]  # by created_at
    by_id: dict[str, LoyaltyAccount]


def _index(world: World) -> _Index:
    accounts, events = world.loyalty_accounts, world.loyalty_events
    return _Index(
        accounts=Ordering(accounts, lambda a: a.enrolled, lambda a: a.customer.seq),
        events=Ordering(list(enumerate(events)), lambda pair: pair[1].created, lambda pair: pair[0], presorted=True),
        by_id={loyalty_account_id(a.customer.seq): a for a in accounts},
    )


def _values(query: dict[str, Any], key: str) -> list[Any]:
    values = query.get(key) or []
    if not isinstance(values, list):
        raise ValueError(f"query.{key} must be a list")
    if len(values) > SEARCH_MAX_VALUES:
        raise ValueError(f"query.{key} takes at most {SEARCH_MAX_VALUES} values")
    return values


EventTest = Callable[[LoyaltyEvent], bool]


def _event_filter(filters: dict[str, Any]) -> tuple[EventTest | None, tuple[int | None, int | None]]:
    """The event search's filters as one predicate, and its created_at range (start inclusive, end exclusive)."""
    tests: list[EventTest] = []
    account = (filters.get("loyalty_account_filter") or {}).get("loyalty_account_id")
    if account:
        tests.append(lambda e: loyalty_account_id(e.account.customer.seq) == account)
    types = set((filters.get("type_filter") or {}).get("types") or [])
    if types:
        tests.append(lambda e: e.type in types)
    locations = set((filters.get("location_filter") or {}).get("location_ids") or [])
    if locations:
        stores = {s.index for s in STORES if s.location_id in locations}
        tests.append(lambda e: e.store in stores)
    order_id = (filters.get("order_filter") or {}).get("order_id")
    if order_id:
        tests.append(lambda e: e.order is not None and square_order_id(e.order.seq) == order_id)
    # Square's end time is exclusive; the shared paging helper's is inclusive.
    bounds = _time_range((filters.get("date_time_filter") or {}).get("created_at"), end_exclusive=True)
    return (lambda e: all(test(e) for test in tests)) if tests else None, bounds


class SquareLoyaltyApi:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    @staticmethod
    def _unauthorized(request: Request) -> Response | None:
        return None if bearer_token(request) else error(401, "This request could not be authorized.")

    async def program(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        program_id = request.path_params["program_id"]
        if program_id not in ("main", LOYALTY_PROGRAM_ID):
            return error(404, f"Loyalty program `{program_id}` not found.", "NOT_FOUND")
        return json_response({"program": render_program()})

    async def programs(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        return json_response({"programs": [render_program()]})

    async def account(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        account = self.sim.index(_index).by_id.get(request.path_params["account_id"])
        if account is None:
            return error(404, "Loyalty account not found.", "NOT_FOUND")
        return json_response({"loyalty_account": render_account(account)})

    async def search_accounts(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        try:
            body = await json_body(request)
            limit = _limit(body.get("limit"), 30, ACCOUNTS_MAX_LIMIT)
            query = body.get("query") or {}
            phones = {m.get("phone_number") for m in _values(query, "mappings")}
            customers = set(_values(query, "customer_ids"))
            if phones and customers:
                return error(400, "query.mappings cannot be combined with query.customer_ids.", "INVALID_VALUE")
            accept = None
            if phones:
                accept = lambda a: a.phone in phones  # noqa: E731
            elif customers:
                accept = lambda a: square_customer_id(a.customer.seq) in customers  # noqa: E731
            accounts = self.sim.index(_index).accounts
            page, cursor = _page(accounts, body.get("cursor"), False, limit, (None, None), accept)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        answer: dict[str, Any] = {"loyalty_accounts": [render_account(a) for a in page]} if page else {}
        if cursor:
            answer["cursor"] = cursor
        return json_response(answer)

    async def search_events(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        try:
            body = await json_body(request)
            limit = _limit(body.get("limit"), EVENTS_MAX_LIMIT, EVENTS_MAX_LIMIT)
            accept, bounds = _event_filter((body.get("query") or {}).get("filter") or {})
            page, cursor = _page(
                self.sim.index(_index).events,
                body.get("cursor"),
                True,
                limit,
                bounds,
                None if accept is None else (lambda pair: accept(pair[1])),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return error(400, str(exc), "INVALID_VALUE")
        answer: dict[str, Any] = {"events": [render_event(event) for _, event in page]} if page else {}
        if cursor:
            answer["cursor"] = cursor
        return json_response(answer)

    def routes(self) -> list[Route]:
        return [
            Route("/v2/loyalty/programs", self.programs),
            Route("/v2/loyalty/programs/{program_id}", self.program),
            Route("/v2/loyalty/accounts/search", self.search_accounts, methods=["POST"]),
            Route("/v2/loyalty/accounts/{account_id}", self.account),
            Route("/v2/loyalty/events/search", self.search_events, methods=["POST"]),
        ]
