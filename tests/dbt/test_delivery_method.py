"""The preferred delivery method of customer_360, recomputed from the simulator's own orders: how each of them was
delivered (its web order's shipping line, its in-store sale's fulfillment), not the warehouse's tables.

Shared with the models: the customer each source record was assigned (identity's output)."""

from __future__ import annotations

from collections import Counter, defaultdict

import duckdb
import pytest

from simulator.ids import customer_record_id, shopify_order_id, square_order_id
from simulator.model import World

# Order defects the loader rejects: such orders never reach the warehouse.
REJECTED_ORDER_DEFECTS = {"negative_amount", "wrong_type"}


@pytest.fixture(scope="module")
def customer_of(built_warehouse: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = built_warehouse.sql("select source_system, source_record_id, customer_id from marts.customer_id_map")
    return {(system, record): customer for system, record, customer in rows.fetchall()}


def test_preferred_delivery_method_is_how_most_of_their_orders_were_delivered(
    built_warehouse, session_world: World, customer_of
) -> None:
    rejected = {
        (system, record) for system, _, record, defect in session_world.malformed if defect in REJECTED_ORDER_DEFECTS
    }
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    latest: dict[tuple[str, str], int] = {}
    for system, orders in session_world.orders.items():
        for order in orders:
            order_id = str(shopify_order_id(order.seq)) if system == "shopify" else square_order_id(order.seq)
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
