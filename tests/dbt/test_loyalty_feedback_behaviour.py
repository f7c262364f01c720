"""Loyalty, survey answers and web behaviour in the marts, recomputed from the simulator's own records (its loyalty
accounts and ledgers, its survey answers, its visitors' views and orders), not from the warehouse's tables.

Shared with the models: the customer each source record was assigned (identity's output), consent (customer_360's
is_email_contactable, tested on its own in test_consent.py) and which client IDs identity stitched to whom (judged
against the truth in tests/resolution/test_web_stitching.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from cdp_orchestration.segments.catalog import segments_in_manifest
from cdp_orchestration.transform import project
from simulator.browsing import Web
from simulator.ids import customer_record_id, hubspot_contact_id, shopify_order_id, square_customer_id, square_order_id
from simulator.model import World
from simulator.pixels import finished_days

EXPIRING_DAYS, BROWSE_DAYS = 30, 3  # the dbt vars points_expiring_days and browse_abandonment_days
REJECTED_ORDER_DEFECTS = {"negative_amount", "wrong_type"}


@pytest.fixture(scope="module")
def customer_of(built_warehouse: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(source system, source record id) → customer_id, as identity assigned them."""
    rows = built_warehouse.sql("select source_system, source_record_id, customer_id from marts.customer_id_map")
    return {(system, record): customer for system, record, customer in rows.fetchall()}


def _as_of(built_warehouse: duckdb.DuckDBPyConnection) -> datetime:
    return built_warehouse.sql("select as_of_at from intermediate.int_run_as_of").fetchall()[0][0]


def _customers(built_warehouse: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {customer for (customer,) in built_warehouse.sql(sql).fetchall()}


def test_every_ledger_adds_up_to_the_simulators_own_balance(built_warehouse, session_world: World) -> None:
    ledger = dict(
        built_warehouse.sql("select square_customer_id, balance_from_events from marts.loyalty_ledger").fetchall()
    )
    own = {square_customer_id(a.customer.seq): a.balance for a in session_world.loyalty_accounts}
    assert ledger == own and own
    assert not _customers(
        built_warehouse, "select loyalty_account_id from marts.loyalty_ledger where not is_reconciled"
    )


def test_balances_and_expiring_points_per_customer(built_warehouse, session_world: World, customer_of) -> None:
    as_of = _as_of(built_warehouse)
    horizon = as_of + timedelta(days=EXPIRING_DAYS)
    balances: dict[str, int] = defaultdict(int)
    expiring: dict[str, int] = defaultdict(int)
    for account in session_world.loyalty_accounts:
        customer = customer_of[("square", square_customer_id(account.customer.seq))]
        balances[customer] += account.balance
        for expires, points in account.deadlines:
            if as_of < datetime.fromtimestamp(expires, UTC) <= horizon:
                expiring[customer] += points
    profiles = built_warehouse.sql(
        "select customer_id, loyalty_points_balance, loyalty_points_expiring_30d from marts.customer_360 "
        "where is_loyalty_member"
    ).fetchall()
    assert {c: b for c, b, _ in profiles} == dict(balances)
    assert {c: e for c, _, e in profiles if e} == {c: e for c, e in expiring.items() if e}
    segment = _customers(built_warehouse, "select customer_id from marts.seg_points_expiring")
    detractors = _customers(built_warehouse, "select customer_id from marts.seg_detractors")
    assert segment == {c for c, e in expiring.items() if e} - detractors and segment


def test_last_nps_category_per_customer(built_warehouse, session_world: World, customer_of) -> None:
    last: dict[str, tuple[int, int, int]] = {}
    for answer in session_world.feedback:
        if answer.survey != "NPS":
            continue
        customer = customer_of[("hubspot", hubspot_contact_id(answer.contact.seq))]
        if customer not in last or (answer.submitted, answer.seq) > last[customer][:2]:
            last[customer] = (answer.submitted, answer.seq, answer.value)
    # NPS's own definition, applied to the simulator's scores.
    expected = {
        customer: ("promoter" if score >= 9 else "passive" if score >= 7 else "detractor")
        for customer, (_, _, score) in last.items()
    }
    found = dict(
        built_warehouse.sql(
            "select customer_id, last_nps_category from marts.customer_360 where last_nps_category is not null"
        ).fetchall()
    )
    assert found == expected and len(set(expected.values())) == 3
    (answers,) = built_warehouse.sql("select sum(responses) from marts.nps_by_store_monthly").fetchall()[0]
    assert answers == sum(1 for a in session_world.feedback if a.survey == "NPS")


def _views_and_purchases(world: World, since: datetime, until: datetime):
    """The simulator's record of product views in the window (person, product, time, the Shopify customer logged in
    or None) from the landed days, and of each person's purchases (product → times) that reached the warehouse."""
    views = [
        (event.person, event.detail[0], event.ts, event.customer_id)
        for _, events, defects in finished_days(Web(world, 0.005))
        for event, defect in zip(events, defects, strict=True)
        if defect is None
        and event.name == "product_viewed"
        and event.person is not None
        and since.timestamp() <= event.ts <= until.timestamp()
    ]
    rejected = {(system, record) for system, _, record, defect in world.malformed if defect in REJECTED_ORDER_DEFECTS}
    bought: dict[tuple[int, int], list[int]] = defaultdict(list)
    for system, orders in world.orders.items():
        for order in orders:
            order_id = str(shopify_order_id(order.seq)) if system == "shopify" else square_order_id(order.seq)
            if order.customer is None or order.cancelled or (system, order_id) in rejected:
                continue
            for product, _ in order.lines:
                bought[(order.customer.person.pid, product)].append(order.created)
    return views, bought


def test_browse_abandonment_against_the_simulators_views_and_orders(
    built_warehouse, session_world: World, customer_of, cdp_home
) -> None:
    as_of = _as_of(built_warehouse)
    views, bought = _views_and_purchases(session_world, as_of - timedelta(days=BROWSE_DAYS), as_of)
    last_view: dict[tuple[int, int], int] = {}
    logged_in_as: dict[tuple[int, int], set[int]] = defaultdict(set)
    for person, product, ts, shopify_customer in views:
        last_view[(person, product)] = max(last_view.get((person, product), 0), ts)
        if shopify_customer is not None:
            logged_in_as[(person, product)].add(shopify_customer)
    abandoned = {key for key, ts in last_view.items() if not any(when >= ts for when in bought.get(key, []))}
    customers_of_person: dict[int, set[str]] = defaultdict(set)
    for system, records in session_world.customers.items():
        for record in records:
            customer = customer_of.get((system, customer_record_id(system, record.seq)))
            if customer:
                customers_of_person[record.person.pid].add(customer)
    contactable = _customers(built_warehouse, "select customer_id from marts.customer_360 where is_email_contactable")
    segment = _customers(built_warehouse, "select customer_id from marts.seg_browse_abandonment")
    truly = {customer for (person, _) in abandoned for customer in customers_of_person[person]} & contactable
    # Everyone in it abandoned a product by the simulator's own record; everyone who did so while logged in is in it.
    assert segment and segment <= truly, segment - truly
    certain = {customer_of[("shopify", str(shopify))] for key in abandoned for shopify in logged_in_as[key]}
    detractors = _customers(built_warehouse, "select customer_id from marts.seg_detractors")
    assert certain & contactable - detractors <= segment, (certain & contactable - detractors) - segment


def test_detractors_are_left_out_of_promotional_segments(built_warehouse) -> None:
    manifest = project.manifest()
    promotional = {
        node["name"]
        for node in manifest["nodes"].values()
        if "segment" in (node.get("tags") or []) and node["config"].get("meta", {}).get("promotional", True)
    }
    assert {s.model for s in segments_in_manifest(manifest)} - promotional == {"seg_detractors"}
    detractors = _customers(built_warehouse, "select customer_id from marts.seg_detractors")
    assert detractors, "the session's customers include recent detractors"
    for model in promotional:
        members = _customers(built_warehouse, f"select customer_id from marts.{model}")
        assert not members & detractors, model


def test_every_web_order_reaches_its_session(built_warehouse, session_world: World) -> None:
    completed = sum(
        1
        for _, events, defects in finished_days(Web(session_world, 0.005))
        for event, defect in zip(events, defects, strict=True)
        if defect is None and event.name == "checkout_completed"
    )
    (sessions, orders) = built_warehouse.sql(
        "select sum(checkouts_completed), count(distinct order_ref) from marts.web_sessions"
    ).fetchall()[0]
    assert sessions == completed > 0 and orders == completed
