"""The GraphQL Admin API endpoint (`POST /admin/api/<version>/graphql.json`) and the bulk operations' result files.

Authenticated by `X-Shopify-Access-Token`. Every query is priced (`extensions.cost`) and paid from a bucket of points
that refills every second; a query the bucket cannot pay is answered `THROTTLED`, one over the single-query limit
`MAX_COST_EXCEEDED`, both as HTTP 200 with an `errors` list, as Shopify answers them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..config import simulator_dir
from ..ids import shopify_checkout_id, shopify_customer_id, shopify_order_id, shopify_seq
from ..model import World
from ..simulation import Simulation
from ..web import SEQ_BITS, Ordering, decode_cursor, encode_cursor, iso_utc, json_body, json_response, parse_time, take
from . import render
from .bulk import BulkOperations
from .graphql import (
    MAX_PAGE,
    MAX_QUERY_COST,
    Compiler,
    Counter,
    Entry,
    QueryError,
    QueryErrors,
    connection,
    operation,
    parsed,
    project,
    variable_values,
)
from .search import ORDER_STATUSES, search_filter

AUTH_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITS_DOCUMENTATION = "https://shopify.dev/api/usage/rate-limits"
MUTATION_COST = 10
_TIME_SORT_KEYS = {"CREATED_AT": "created", "PROCESSED_AT": "created", "UPDATED_AT": "updated"}


def error(status: int, message: Any) -> Response:
    """An error of the HTTP layer in Shopify's shape: ``{"errors": ...}``."""
    headers = {"Retry-After": "1.0"} if status == 429 else None
    return json_response({"errors": message}, status, headers)


def fault_response(status: int) -> Response:
    return error(
        status,
        {
            429: "Exceeded the rate limit. Retry after the time in the Retry-After header.",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(status, "Error"),
    )


@dataclass(frozen=True)
class _Listing:
    """One root connection: its records in creation (= ID) order, and the orderings its sort keys need."""

    kind: str
    items: list[Any]
    legacy_id: Callable[[int], int]
    render: Callable[[Any], dict[str, Any]]
    statuses: dict[str, Callable[[Any], bool]] | None
    orderings: dict[str, Ordering[Any]]

    def id_of(self, record: Any) -> int:
        return self.legacy_id(record.seq)

    def find(self, seq: int | None) -> Any:
        if seq is None or seq >= len(self.items):
            return None
        return self.items[seq]


def _listing(
    kind: str,
    items: list[Any],
    legacy_id: Callable[[int], int],
    renderer: Callable[[Any], dict[str, Any]],
    statuses: dict[str, Callable[[Any], bool]] | None = None,
) -> _Listing:
    seq: Callable[[Any], int] = lambda r: r.seq  # noqa: E731
    orderings = {
        "ID": Ordering(items, lambda r: 0, seq, presorted=True),
        "created": Ordering(items, lambda r: r.created, seq),
        "updated": Ordering(items, lambda r: r.updated, seq),
    }
    return _Listing(kind, items, legacy_id, renderer, statuses, orderings)


def _index(world: World) -> dict[str, _Listing]:
    return {
        "customers": _listing("Customer", world.customers["shopify"], shopify_customer_id, render.customer),
        "orders": _listing("Order", world.orders["shopify"], shopify_order_id, render.order, ORDER_STATUSES),
        "abandonedCheckouts": _listing("AbandonedCheckout", world.checkouts, shopify_checkout_id, render.checkout),
    }


class CostBucket:
    """Shopify's calculated-cost limit: a bucket of points, paid per query, refilled at a steady rate."""

    def __init__(self, maximum: float, restore_rate: float) -> None:
        self.maximum, self.restore_rate = maximum, restore_rate
        self._available, self._at = maximum, time.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, points: int) -> bool:
        with self._lock:
            self._refill()
            if points > self._available:
                return False
            self._available -= points
            return True

    def refund(self, points: int) -> None:
        with self._lock:
            self._available = min(self.maximum, self._available + points)

    def status(self) -> dict[str, float]:
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": float(int(self._available)),
                "restoreRate": float(self.restore_rate),
            }


class ShopifyApi:
    """The GraphQL endpoint over the simulation."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.bucket = CostBucket(sim.tuning.shopify_bucket, sim.tuning.shopify_restore_rate)
        self.bulk = BulkOperations(simulator_dir(sim.home) / "shopify_bulk", lambda: self.sim.world.now)

    # ------------------------------------------------------------------ the endpoint
    async def graphql(self, request: Request) -> Response:
        if not request.headers.get("x-shopify-access-token", "").strip():
            return error(401, AUTH_ERROR)
        try:
            body = await json_body(request)
        except ValueError:
            body = {}
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            return error(400, {"query": "Required parameter missing or invalid"})
        try:
            document = parsed(query)
            op = operation(document, body.get("operationName"))
            compiler = Compiler(document, variable_values(op, body.get("variables")))
            is_mutation = op.operation.value == "mutation"
            plan = compiler.plan(op.selection_set, "Mutation" if is_mutation else "QueryRoot")
        except QueryErrors as errors:
            return json_response({"errors": errors.entries})
        except QueryError as failure:
            return json_response({"errors": [failure.entry]})
        requested = MUTATION_COST if is_mutation else plan.requested_cost() - 1
        if requested > MAX_QUERY_COST:
            return json_response({"errors": [_max_cost_exceeded(requested)]})
        if not self.bucket.take(requested):
            return json_response({"errors": [_THROTTLED], "extensions": self._cost(requested, None)})
        counter, data, errors = Counter(), {}, []
        base_url = str(request.base_url).rstrip("/")
        for entry in plan.entries:
            try:
                data[entry.key] = self._resolve(entry, counter, compiler, base_url)
            except QueryError as failure:
                data[entry.key] = None
                errors.append(failure.entry)
        actual = requested if is_mutation else counter.cost
        self.bucket.refund(max(0, requested - actual))
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        answer["extensions"] = self._cost(requested, actual)
        if counter.search:
            answer["extensions"]["search"] = counter.search
        return json_response(answer)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    async def bulk_file(self, request: Request) -> Response:
        path = self.bulk.file(request.path_params["token"])
        if path is None or not path.exists():
            return Response("NoSuchKey: The specified key does not exist.", 404, media_type="text/plain")
        return FileResponse(path, media_type="application/jsonl")

    def routes(self) -> list[Route]:
        return [
            Route("/admin/api/{version}/graphql.json", self.graphql, methods=["POST"]),
            Route("/shopify-bulk/{token}.jsonl", self.bulk_file),
        ]

    # ------------------------------------------------------------------ root fields
    def _resolve(self, entry: Entry, counter: Counter, compiler: Compiler, base_url: str) -> Any:
        listings = self.sim.index(_index)
        if entry.name in listings:
            return self._page(listings[entry.name], entry, counter)
        if entry.name in ("node", "customer", "order"):
            return self._node(listings, entry, counter, compiler)
        if entry.name == "currentBulkOperation":
            current = self.bulk.current()
            return None if current is None else project(current.node(), entry.plan, counter)  # type: ignore[arg-type]
        if entry.name == "shop":
            return project(render.shop(), entry.plan, counter)  # type: ignore[arg-type]
        if entry.name == "bulkOperationRunQuery":
            world = self.sim.world.state
            op, user_errors = self.bulk.start(entry.args["query"], self._bulk_source(listings), base_url, world)
            payload = render.Fields(bulkOperation=op.node() if op else None, userErrors=user_errors)
            return project(payload, entry.plan, counter)  # type: ignore[arg-type]
        if entry.name == "bulkOperationCancel":
            number = _gid_number(entry.args["id"], "BulkOperation")
            op = self.bulk.cancel(number) if number is not None else None
            missing = render.Fields(field=["id"], message="Bulk operation does not exist", code=None)
            payload = render.Fields(bulkOperation=op.node() if op else None, userErrors=[] if op else [missing])
            return project(payload, entry.plan, counter)  # type: ignore[arg-type]
        raise QueryError(f"Field '{entry.name}' is not served by the simulator", [entry.key])

    def _node(self, listings: dict[str, _Listing], entry: Entry, counter: Counter, compiler: Compiler) -> Any:
        kind, _, number = str(entry.args.get("id", "")).removeprefix("gid://shopify/").partition("/")
        found: Any = None
        if kind == "BulkOperation" and number.isdigit():
            op = self.bulk.get(int(number))
            found = op.node() if op else None
        elif number.isdigit():
            listing = next((li for li in listings.values() if li.kind == kind), None)
            record = listing.find(shopify_seq(kind, int(number))) if listing else None
            found = listing.render(record) if listing and record is not None else None
        if found is None or (entry.name != "node" and kind.lower() != entry.name):
            return None
        plan = compiler.plan(entry.node.selection_set, kind)
        return project(found, plan, counter)

    def _page(self, listing: _Listing, entry: Entry, counter: Counter) -> dict[str, Any]:
        args = entry.args
        first, last = args.get("first"), args.get("last")
        if first is None and last is None:
            raise QueryError("you must provide one of first or last", [entry.key])
        size = first if first is not None else last
        if size < 0 or size > MAX_PAGE:
            raise QueryError(
                f"The {'first' if first is not None else 'last'} argument must be between 0 and {MAX_PAGE}", [entry.key]
            )
        accept, warnings = search_filter(args.get("query"), listing.id_of, listing.statuses)
        sort = _TIME_SORT_KEYS.get(args.get("sortKey") or "ID", "ID")
        ordering = listing.orderings[sort]
        # `last` walks back from `before` (or the end); `reverse` turns the order around.
        descending = bool(args.get("reverse")) != (first is None)
        boundary = args.get("after") if first is not None else args.get("before")
        after_key = self._cursor_key(listing, sort, boundary, entry) if boundary else None
        rows = ordering.scan(ordering.position(None, after_key, descending), descending)
        page, _, more = take(rows, accept, size)
        if first is None:
            page.reverse()
        shown = [(self._cursor(listing, sort, record), listing.render(record)) for record in page]
        has_next, has_previous = (more, boundary is not None) if first is not None else (boundary is not None, more)
        if warnings:
            counter.search.append({"path": [entry.key], "query": args.get("query"), "warnings": warnings})
        return connection(shown, has_next, has_previous, entry, counter)

    @staticmethod
    def _cursor(listing: _Listing, sort: str, record: Any) -> str:
        value = listing.id_of(record) if sort == "ID" else iso_utc(getattr(record, sort))
        return encode_cursor({"last_id": listing.id_of(record), "last_value": value})

    @staticmethod
    def _cursor_key(listing: _Listing, sort: str, token: str, entry: Entry) -> int:
        try:
            cursor = decode_cursor(token)
            seq = shopify_seq(listing.kind, int(cursor["last_id"]))
            ts = 0 if sort == "ID" else parse_time(cursor["last_value"])
        except (ValueError, KeyError, TypeError):
            seq = None
        if seq is None:
            raise QueryError(f"Invalid cursor for {entry.name}: {token}", [entry.key])
        return (ts << SEQ_BITS) | seq

    def _bulk_source(self, listings: dict[str, _Listing]) -> Callable[[str, dict[str, Any]], Iterator[Any]]:
        """The objects a bulk query's root connection holds, from the world as it is when the operation starts."""

        def source(name: str, args: dict[str, Any]) -> Iterator[Any]:
            listing = listings[name]
            accept, _ = search_filter(args.get("query"), listing.id_of, listing.statuses)
            sort = _TIME_SORT_KEYS.get(args.get("sortKey") or "ID", "ID")
            ordering = listing.orderings[sort]
            descending = bool(args.get("reverse"))
            for _, record in ordering.scan(ordering.position(None, None, descending), descending):
                if accept is None or accept(record):
                    yield listing.render(record)

        return source


_THROTTLED = {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOCUMENTATION}}


def _max_cost_exceeded(cost: int) -> dict[str, Any]:
    return {
        "message": f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}). "
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.",
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": MAX_QUERY_COST,
            "documentation": RATE_LIMITS_DOCUMENTATION,
        },
    }


def _gid_number(value: Any, kind: str) -> int | None:
    number = str(value).removeprefix(f"gid://shopify/{kind}/")
    return int(number) if number.isdigit() else None
