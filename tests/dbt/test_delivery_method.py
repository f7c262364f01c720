"""How each order was delivered (int_order_deliveries) and the preferred delivery method of customer_360, recomputed
from the simulator's own orders: its web order's shipping line, its in-store sale's fulfillment that was not
cancelled, not the warehouse's tables.

Shared with the models: the customer each source record was assigned (identity's output)."""

from __future__ import annotations

from collections import Counter, defaultdict

import duckdb
import pytest

from simulator.ids import customer_record_id, shopify_order_id, square_order_id
from simulator.model import Order, World

# Order defects the loader rejects: such orders never reach the warehouse.
REJECTED_ORDER_DEFECTS = {"negative_amount", "wrong_type"}


@pytest.fixture(scope="module")
def rejected(session_world: World) -> set[tuple[str, str]]:
    """The orders the loader rejected, as (system, order id)."""
    return {
        (system, record) for system, _, record, defect in session_world.malformed if defect in REJECTED_ORDER_DEFECTS
    }


def _order_id(system: str, order: Order) -> str:
    return str(shopify_order_id(order.seq)) if system == "shopify" else square_order_id(order.seq)


@pytest.fixture(scope="module")
def customer_of(built_warehouse: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = built_warehouse.sql("select source_system, source_record_id, customer_id from marts.customer_id_map")
    return {(system, record): customer for system, record, customer in rows.fetchall()}


def test_each_order_is_delivered_as_its_shipping_line_or_its_fulfillment_that_was_not_cancelled(
    built_warehouse, session_world: World, rejected
) -> None:
    """Every delivered order, by the method the simulator chose for it: a web order's shipping line (cancelled or
    not, it was placed so), an in-store sale's fulfillment that reached the buyer, not the one cancelled before it."""
    expected = {
        f"{system}:{_order_id(system, order)}": order.delivery
        for system, orders in session_world.orders.items()
        for order in orders
        if order.delivery is not None
        and (system, _order_id(system, order)) not in rejected
        and not (system == "square" and order.cancelled)
    }
    found = dict(
        built_warehouse.sql("select order_id, delivery_method from intermediate.int_order_deliveries").fetchall()
    )
    assert {order: found.get(order) for order in expected} == expected
    assert set(found) == set(expected)
    refulfilled = {
        f"square:{square_order_id(order.seq)}"
        for order in session_world.orders["square"]
        if order.cancelled_delivery is not None
    }
    assert refulfilled & set(found), "some in-store sales had a fulfillment cancelled before the one that reached them"


def test_preferred_delivery_method_is_how_most_of_their_orders_were_delivered(
    built_warehouse, session_world: World, customer_of, rejected
) -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    latest: dict[tuple[str, str], int] = {}
    for system, orders in session_world.orders.items():
        for order in orders:
            order_id = _order_id(system, order)
            if order.customer is None or order.cancelled or order.delivery is None or (system, order_id) in rejected:
                continue
            customer = customer_of.get((system, customer_record_id(system, order.customer.seq)))
            if customer is None:  # the buyer's record never reached the warehouse
                continue
            counts[customer][order.delivery] += 1
            latest[(customer, order.delivery)] = max(latest.get((customer, order.delivery), 0), order.created)
    expected = {
        customer: min(methods, key=lambda m: (-methods[m], -latest[(customer, m)], m))
        for customer, methods in counts.items()
    }
    found = dict(
        built_warehouse.sql(
            "select customer_id, preferred_delivery_method from marts.customer_360 "
            "where preferred_delivery_method is not null"
        ).fetchall()
    )
    assert found == expected
    assert set(expected.values()) == {"shipping", "pickup", "local"}
    in_store = {
        customer_of.get(("square", customer_record_id("square", o.customer.seq)))
        for o in session_world.orders["square"]
        if o.delivery is not None and o.customer is not None
    }
    assert in_store & set(found), "some preferences come from in-store sales' fulfillments"
