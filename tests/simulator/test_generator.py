"""The generator: deterministic, messy, growing day by day."""

from __future__ import annotations

import orjson
import pytest

from simulator import generate
from simulator.generator import _Builder
from simulator.hubspot import contact_properties
from simulator.model import Customer, Order
from simulator.shopify import render as shopify_render
from simulator.shopify.graphql import Counter, every_field, project
from simulator.square import render_customer as render_square_customer
from simulator.square import render_order as render_square_order
from simulator.state import SimState


def render_customer(customer: Customer) -> dict:
    """A Shopify customer as the GraphQL Admin API shows every field of it."""
    return project(shopify_render.customer(customer), every_field("Customer"), Counter())


def render_order(order: Order) -> dict:
    return project(shopify_render.order(order), every_field("Order"), Counter())


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
