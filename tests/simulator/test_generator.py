"""The generator: deterministic, messy, growing day by day."""

from __future__ import annotations

from collections import Counter
from statistics import correlation

import orjson
import pytest

from simulator import delivery, generate
from simulator.catalog import PRODUCTS
from simulator.config import DAY_SECONDS, now_ts
from simulator.generator import _Builder
from simulator.hubspot import contact_properties
from simulator.model import Customer, Order
from simulator.shopify import graphql as shopify_graphql
from simulator.shopify import render as shopify_render
from simulator.shopify.graphql import every_field, project
from simulator.square import render_customer as render_square_customer
from simulator.square import render_order as render_square_order
from simulator.state import SimState


def render_customer(customer: Customer) -> dict:
    """A Shopify customer as the GraphQL Admin API shows every field of it."""
    return project(shopify_render.customer(customer), every_field("Customer"), shopify_graphql.Counter())


def render_order(order: Order) -> dict:
    return project(shopify_render.order(order), every_field("Order"), shopify_graphql.Counter())


def _fingerprint(state: SimState) -> bytes:
    world = generate(state)
    return orjson.dumps(
        [
            [render_customer(c) for c in world.customers["shopify"]],
            [render_square_customer(c) for c in world.customers["square"]],
            [contact_properties(c) for c in world.customers["hubspot"]],
            [render_order(o) for o in world.orders["shopify"]],
            [render_square_order(o) for o in world.orders["square"]],
            [tuple(e) for e in world.email_events],
            world.malformed,
        ]
    )


def test_same_seed_same_data() -> None:
    assert _fingerprint(SimState(seed=1, people=300, day=2)) == _fingerprint(SimState(seed=1, people=300, day=2))


def test_other_seed_other_data() -> None:
    assert _fingerprint(SimState(seed=1, people=300, day=0)) != _fingerprint(SimState(seed=2, people=300, day=0))


def test_population_shape() -> None:
    world = generate(SimState(seed=3, people=2000, day=0))
    counts = {system: len(records) for system, records in world.customers.items()}
    assert 0.6 * 2000 < counts["square"] < 0.85 * 2000
    assert 0.4 * 2000 < counts["shopify"] < 0.65 * 2000
    assert 0.5 * 2000 < counts["hubspot"] < 0.75 * 2000
    orders = len(world.orders["square"]) + len(world.orders["shopify"])
    assert 7 * 2000 < orders < 13 * 2000
    assert {p.country for p in world.people} == {"ID", "VN", "PL", "US"}
    households = {}
    for person in world.people:
        households.setdefault(person.household, []).append(person)
    assert any(len(members) >= 2 for members in households.values())
    square_phones = [c.phone for c in world.customers["square"] if c.phone]
    assert "0000000000" in square_phones or "-" in square_phones or "n/a" in square_phones
    assert any(p.startswith("+") for p in square_phones) and any(p.startswith("0") for p in square_phones)
    person_systems = {}
    for system, records in world.customers.items():
        for record in records:
            person_systems.setdefault(record.person.pid, []).append(system)
    assert any(len(set(s)) == 3 for s in person_systems.values())
    assert any(len(s) != len(set(s)) for s in person_systems.values()), "some people appear twice in one system"


def test_day_advance_adds_records_and_moves_updated_at() -> None:
    before = generate(SimState(seed=5, people=300, day=0))
    after = generate(SimState(seed=5, people=300, day=3))
    for system in ("shopify", "square", "hubspot"):
        assert len(after.customers[system]) >= len(before.customers[system])
    assert sum(map(len, after.customers.values())) > sum(map(len, before.customers.values()))
    assert len(after.orders["square"]) > len(before.orders["square"])
    assert len(after.orders["shopify"]) > len(before.orders["shopify"])
    assert len(after.email_events) > len(before.email_events)
    edited = [
        c
        for system, records in after.customers.items()
        for c in records[: len(before.customers[system])]
        if c.updated >= before.now
    ]
    assert edited, "profile edits and consent changes move updated_at forward"
    assert all(c.updated < after.now for records in after.customers.values() for c in records)
    # What was visible at day 0 and untouched is unchanged at day 3.
    untouched = [
        i for i, c in enumerate(after.customers["square"][: len(before.customers["square"])]) if c.updated < before.now
    ]
    assert untouched
    for i in untouched[:50]:
        assert render_square_customer(after.customers["square"][i]) == render_square_customer(
            before.customers["square"][i]
        )


def test_hubspot_contacts_grant_refuse_and_change_advertising_consent() -> None:
    before = generate(SimState(seed=5, people=2000, day=0))
    after = generate(SimState(seed=5, people=2000, day=5))
    contacts = before.customers["hubspot"]
    shares = {value: sum(c.ads_consent is value for c in contacts) / len(contacts) for value in (True, False, None)}
    assert 0.18 < shares[True] < 0.32 and 0.08 < shares[False] < 0.22 and shares[None] > 0.45, shares
    assert {contact_properties(c)["ads_consent"] for c in contacts} == {"true", "false", None}
    changed = [
        (old.ads_consent, new)
        for old, new in zip(contacts, after.customers["hubspot"], strict=False)
        if old.ads_consent != new.ads_consent
    ]
    assert any(old is True and new.ads_consent is False for old, new in changed), "someone withdraws"
    assert any(old is not True and new.ads_consent is True for old, new in changed), "someone grants"
    assert all(new.updated >= before.now for _, new in changed), "a change moves the contact's updatedAt"


def test_advertising_consent_leaves_the_rest_of_the_population_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """It has random streams of its own: without it, every record, order and event is the same."""
    state = SimState(seed=4, people=300, day=3)
    with_ads = generate(state)
    monkeypatch.setattr(_Builder, "_initial_ads_consent", staticmethod(lambda ads, contacts: None))
    monkeypatch.setattr(_Builder, "_ads_consent_day", lambda self, d, start, end: None)
    without = generate(state)
    for system, render in (("shopify", render_customer), ("square", render_square_customer)):
        assert [render(c) for c in with_ads.customers[system]] == [render(c) for c in without.customers[system]]
    for system, render_sale in (("shopify", render_order), ("square", render_square_order)):
        assert [render_sale(o) for o in with_ads.orders[system]] == [render_sale(o) for o in without.orders[system]]
    assert with_ads.email_events == without.email_events and with_ads.malformed == without.malformed
    # HubSpot contacts differ only in the property and in when a change of it last touched them.
    moved = 0
    for a, b in zip(with_ads.customers["hubspot"], without.customers["hubspot"], strict=True):
        props_a, props_b = contact_properties(a), contact_properties(b)
        assert props_b["ads_consent"] is None
        if props_a["lastmodifieddate"] != props_b["lastmodifieddate"]:
            assert a.updated > b.updated
            moved += 1
        for key in props_a.keys() - {"ads_consent", "lastmodifieddate"}:
            assert props_a[key] == props_b[key], key
    assert moved, "some contacts changed their advertising consent over three days"


def _orders_per_year(world, sellers_since: int, split: int) -> tuple[list[int], list[int]]:
    """Orders of each person with a sales record since `sellers_since`, before and after `split`."""
    sellers = sorted(
        {c.person.pid for system in ("square", "shopify") for c in world.customers[system] if c.created < sellers_since}
    )
    before, after = Counter(), Counter()
    for system in ("square", "shopify"):
        for order in world.orders[system]:
            if order.customer is not None:
                (before if order.created < split else after)[order.customer.person.pid] += 1
    return [before[p] for p in sellers], [after[p] for p in sellers]


def test_repeat_buyers_buy_again_and_random_purchases_do_not() -> None:
    """Who bought much in one year buys much the next, unless purchases are random (CDP_RANDOM_PURCHASES)."""
    state = SimState(seed=3, people=2000, day=0)
    split = now_ts(0) - 365 * DAY_SECONDS
    for random_purchases, low, high in ((False, 0.25, 1.0), (True, -0.12, 0.12)):
        first, second = _orders_per_year(
            generate(state, random_purchases=random_purchases), split - 365 * DAY_SECONDS, split
        )
        assert low < correlation(first, second) < high, (random_purchases, correlation(first, second))


def test_lapsed_customers_buy_no_more() -> None:
    world = generate(SimState(seed=3, people=2000, day=4))
    orders = [o for system in ("square", "shopify") for o in world.orders[system] if o.customer is not None]
    assert all(o.created < o.customer.person.lapses_at for o in orders)
    lapsed = {p.pid for p in world.people if p.lapses_at < world.now}
    assert 0.2 < len(lapsed) / len(world.people) < 0.6
    assert any(o.customer.person.pid in lapsed for o in orders), "lapsed customers bought before they lapsed"


@pytest.mark.parametrize("random_purchases", [False, True])
def test_purchase_behaviour_leaves_the_rest_of_the_population_as_it_was(
    monkeypatch: pytest.MonkeyPatch, random_purchases: bool
) -> None:
    """Buying lives and random purchases have streams of their own: records, carts and events stay the same, and
    the orders keep their volume."""
    state = SimState(seed=4, people=300, day=3)
    changed = generate(state, random_purchases=random_purchases)
    monkeypatch.setattr(_Builder, "_habits", staticmethod(lambda lapse, people: None))
    plain = generate(state)
    for system, render in (
        ("shopify", render_customer),
        ("square", render_square_customer),
        ("hubspot", contact_properties),
    ):
        assert [render(c) for c in changed.customers[system]] == [render(c) for c in plain.customers[system]]
    assert changed.email_events == plain.email_events
    assert [(c.created, c.lines) for c in changed.checkouts] == [(c.created, c.lines) for c in plain.checkouts]
    assert [(t.created, t.contact.seq) for t in changed.tickets] == [(t.created, t.contact.seq) for t in plain.tickets]
    sales = sum(map(len, changed.orders.values()))
    assert 0.97 * sum(map(len, plain.orders.values())) < sales <= sum(map(len, plain.orders.values()))


def test_complements_sell_together_and_customers_keep_to_their_taste() -> None:
    world = generate(SimState(seed=3, people=1000, day=0))
    orders = [o for system in ("square", "shopify") for o in world.orders[system]]
    shoes, socks = (
        next(p.index for p in PRODUCTS if p.title == t) for t in ("Running Shoes Aero", "Sports Socks 3-pack")
    )
    with_shoes = [o for o in orders if any(p == shoes for p, _ in o.lines)]
    share_with_socks = sum(any(p == socks for p, _ in o.lines) for o in with_shoes) / len(with_shoes)
    overall = sum(any(p == socks for p, _ in o.lines) for o in orders) / len(orders)
    assert share_with_socks > 3 * overall, (share_with_socks, overall)
    lines = [(o.customer.person.taste, PRODUCTS[p].category) for o in orders if o.customer for p, _ in o.lines]
    in_taste = sum(taste == category for taste, category in lines) / len(lines)
    assert in_taste > 0.4, in_taste


def test_a_cancelled_fulfillment_comes_before_the_one_that_reached_the_buyer_and_changes_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Some in-store sales fulfilled later show a fulfillment of another type, cancelled, before the completed one; it
    has a random stream of its own: without it, every order and its method is the same."""
    state = SimState(seed=4, people=300, day=3)
    planted = generate(state)
    monkeypatch.setattr(delivery, "SQUARE_CANCELLED_SHARE", 0.0)
    plain = generate(state)
    assert [render_order(o) for o in planted.orders["shopify"]] == [render_order(o) for o in plain.orders["shopify"]]
    refulfilled = 0
    for a, b in zip(planted.orders["square"], plain.orders["square"], strict=True):
        record, without = render_square_order(a), render_square_order(b)
        assert a.delivery == b.delivery
        if a.cancelled_delivery is None:
            assert record == without
            continue
        refulfilled += 1
        first, *rest = record.pop("fulfillments")
        assert rest == without.pop("fulfillments") and record == without
        assert first["state"] == "CANCELED" and rest[0]["state"] == "COMPLETED" and first["type"] != rest[0]["type"]
        assert not a.cancelled
    assert refulfilled, "some sales had a fulfillment cancelled"
