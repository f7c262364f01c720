"""The simulator's render caches serve what rendering from scratch serves: the same records on the same day, and each
day's own answers after the clock moved."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator import SimState, advance_day, generate, ids, money, running_simulator, square
from simulator.malformed import OPT_IN_DEFECTS
from simulator.model import World
from simulator.shopify import render
from simulator.shopify.graphql import Counter, every_field, project
from simulator.web import json_bytes
from tests.simulator.conftest import BEARER, SHOPIFY, SHOPIFY_AUTH, wait_for

# Every cache rendering reads through; each must be keyed on all its answer depends on and never changed by a reader.
RENDER_CACHES = (money.line, money.decimal_string, square._line_item, render.Bag)
ID_TABLES = (ids.square_customer_id, ids.square_order_id, ids.square_payment_id)


def _clear() -> None:
    for memo in RENDER_CACHES:
        memo.cache_clear()
    for table in ID_TABLES:
        table.clear()


def test_id_tables_hold_the_ids_computed_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Square's IDs computed together (in chunks, extended as days add records) are the IDs computed one by one, and
    the IDs they always were."""
    monkeypatch.setattr(ids._Table, "_CHUNK", 1_000)
    _clear()
    try:
        ids.hold_square_ids(2_500, 1_500)
        ids.hold_square_ids(2_600, 3_700)  # a later day
        for table, held in zip(ID_TABLES, (2_600, 3_700, 3_700), strict=True):
            assert len(table.ids) == held * table.length
            assert [table(seq) for seq in range(-3, held + 3)] == [table.computed(seq) for seq in range(-3, held + 3)]
        ids.hold_square_ids(70_000, 1_000_000)
        assert [ids.square_customer_id(s) for s in (0, 69_999)] == [
            "CQK4C872A3VGZ89E2XWQPK8GG0",
            "7M1RVY6D7V2S44QDVQMN0FDZ4G",
        ]
        assert [ids.square_order_id(s) for s in (0, 999_999)] == [
            "rSZ93flW96AYOuJV9QnpRpHXFQNA",
            "U95IoWrJq1ud7yccl1fbNe7YhsJA",
        ]
        assert [ids.square_payment_id(s) for s in (0, 999_999)] == [
            "df7FbYaJIw1NBCAq1lAmGujqd1v4A",
            "Omj0BU4mY4sUo74hptq8xzTP370yE",
        ]
    finally:
        _clear()


def _renderings(world: World) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Every record the cached code renders, as a thunk rendering it (Shopify's views shown whole)."""
    for c in world.customers["square"]:
        yield f"square customer {c.seq}", lambda c=c: square.render_customer(c)
    for o in world.orders["square"]:
        yield f"square order {o.seq}", lambda o=o: square.render_order(o)
        yield f"square payment {o.seq}", lambda o=o: square.render_payment(o)
    for name, records, view, kind in (
        ("customer", world.customers["shopify"], render.customer, "Customer"),
        ("order", world.orders["shopify"], render.order, "Order"),
        ("checkout", world.checkouts, render.checkout, "AbandonedCheckout"),
    ):
        for r in records:
            yield (
                f"shopify {name} {r.seq}",
                lambda r=r, view=view, kind=kind: project(view(r), every_field(kind), Counter()),
            )


def test_cached_rendering_is_rendering_from_scratch() -> None:
    """Each record rendered with the caches warm from every record before it (twice over: a reader that changed a
    shared object would show in the second pass) is, byte for byte, the record rendered with every cache empty."""
    world = generate(SimState(seed=3, people=400, day=1), malformed_rate=0.3, opt_in=frozenset(OPT_IN_DEFECTS))
    assert {o.defect for o in world.orders["square"]} >= {"wrong_type", "negative_amount", "long_string"}
    cold = {}
    for key, rendering in _renderings(world):
        _clear()
        cold[key] = json_bytes(rendering())
    _clear()
    square._index(world)  # Square's IDs held, as the first page of the day holds them
    for _ in range(2):
        warm = {key: json_bytes(rendering()) for key, rendering in _renderings(world)}
        different = [key for key in cold if warm[key] != cold[key]]
        assert not different, f"{len(different)} records differ, e.g. {different[:3]}"


def _answers(url: str) -> dict[str, Any]:
    """Pages of Square's orders, payments and customers and of Shopify's orders, and the orders' bulk file."""
    with httpx.Client(base_url=url, timeout=30) as http:
        locations = [loc["id"] for loc in http.get("/v2/locations", headers=BEARER).json()["locations"]]
        answers: dict[str, Any] = {
            "orders": http.post(
                "/v2/orders/search",
                json={"location_ids": locations, "limit": 1000, "query": {"sort": {"sort_field": "UPDATED_AT"}}},
                headers=BEARER,
            ).content,
            "payments": http.get("/v2/payments", params={"limit": 100}, headers=BEARER).content,
            "customers": http.post(
                "/v2/customers/search",
                json={"limit": 100, "query": {"sort": {"field": "CREATED_AT", "order": "DESC"}}},
                headers=BEARER,
            ).content,
        }
        query = (
            "{ orders(first: 40, sortKey: UPDATED_AT, reverse: true) { nodes { id updatedAt totalPriceSet "
            "{ shopMoney { amount currencyCode } } lineItems(first: 5) { nodes { quantity originalUnitPriceSet "
            "{ presentmentMoney { amount } } } } } } }"
        )
        graphql = http.post(SHOPIFY, json={"query": query}, headers=SHOPIFY_AUTH).content
        answers["shopify orders"] = json.loads(graphql.decode("utf-8", "surrogateescape"))["data"]
        bulk = "mutation { bulkOperationRunQuery(query: %s) { bulkOperation { id } } }" % json.dumps(  # noqa: UP031
            "{ orders { edges { node { id updatedAt totalPriceSet { shopMoney { amount } } "
            "lineItems { edges { node { id quantity } } } } } } }"
        )
        http.post(SHOPIFY, json={"query": bulk}, headers=SHOPIFY_AUTH).raise_for_status()
        poll = "{ currentBulkOperation { status url } }"
        deadline = time.monotonic() + 30
        while (op := http.post(SHOPIFY, json={"query": poll}, headers=SHOPIFY_AUTH).json())["data"][
            "currentBulkOperation"
        ]["status"] != "COMPLETED":
            assert time.monotonic() < deadline, op
            time.sleep(0.05)
        answers["bulk orders"] = http.get(op["data"]["currentBulkOperation"]["url"]).content
    return answers


def test_a_new_day_is_served_its_own_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After advance-day, a server whose caches are warm from the day before answers what a new server started on the
    new day answers, and that is not what it answered the day before."""
    monkeypatch.setenv("CDP_MALFORMED", "0.2")
    monkeypatch.setenv("CDP_MALFORMED_OPT_IN", ",".join(OPT_IN_DEFECTS))
    home = tmp_path / "home"
    with running_simulator(home=home, people=150, seed=4, faults=0.0, in_thread=True) as url:
        before = _answers(url)
        advance_day(1, home=home)

        def moved() -> bool:
            date = httpx.get(f"{url}/v2/locations", headers=BEARER).headers["date"]
            return parsedate_to_datetime(date).isoformat() == "2026-06-02T02:00:00+00:00"

        wait_for(moved)
        after = _answers(url)
    # A process of its own: nothing of the first server's memory, whatever it caches.
    with running_simulator(home=home, people=150, seed=4, faults=0.0) as url:
        fresh = _answers(url)
    assert after == fresh
    # A day brings orders (150 people may well bring no new Square customer).
    unchanged = [key for key in before if after[key] == before[key]]
    assert unchanged in ([], ["customers"]), unchanged
