"""Loyalty, survey answers and web browsing in the simulated world: drawn on their own random streams (the rest of the
world is what it was without them), believable, and what a day showed stays as days pass."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from simulator import generate
from simulator.browsing import Web
from simulator.feedback import nps_group
from simulator.hubspot import contact_properties, feedback_properties
from simulator.pixels import finished_days, render
from simulator.square import render_customer as render_square_customer
from simulator.square import render_order as render_square_order
from simulator.square_loyalty import render_account, render_event
from simulator.state import SimState
from tests.simulator.test_generator import render_customer, render_order

NEW_ENTITIES = {"loyalty_account", "loyalty_event", "feedback_submission"}


def _population(world) -> bytes:
    return orjson.dumps(
        [
            [render_customer(c) for c in world.customers["shopify"]],
            [render_square_customer(c) for c in world.customers["square"]],
            [contact_properties(c) for c in world.customers["hubspot"]],
            [render_order(o) for o in world.orders["shopify"]],
            [render_square_order(o) for o in world.orders["square"]],
            [render_order(o) for o in world.checkouts],
            [tuple(e) for e in world.email_events],
            [(t.seq, t.topic, t.created, t.updated) for t in world.tickets],
            [m for m in world.malformed if m[1] not in NEW_ENTITIES],
        ]
    )


def test_the_new_sources_leave_the_population_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    state = SimState(seed=4, people=300, day=3)
    with_them = generate(state)
    assert with_them.loyalty_accounts and with_them.loyalty_events and with_them.feedback
    monkeypatch.setattr("simulator.generator.add_loyalty", lambda world, rate: None)
    monkeypatch.setattr("simulator.generator.add_feedback", lambda world, rate: None)
    without = generate(state)
    assert _population(with_them) == _population(without)
    # The web shop's visits read the world and change nothing in it.
    list(finished_days(Web(with_them, 0.01)))
    assert _population(with_them) == _population(without)


def test_the_same_seed_gives_the_same_loyalty_answers_and_visits() -> None:
    def fingerprint(state: SimState) -> bytes:
        world = generate(state)
        days = [(day, [render(e) for e in events], defects) for day, events, defects in finished_days(Web(world, 0.01))]
        return orjson.dumps(
            [
                [render_account(a) for a in world.loyalty_accounts],
                [render_event(e) for e in world.loyalty_events],
                [feedback_properties(f) for f in world.feedback],
                days,
            ],
            option=orjson.OPT_NON_STR_KEYS,
        )

    assert fingerprint(SimState(seed=2, people=200, day=1)) == fingerprint(SimState(seed=2, people=200, day=1))


def test_what_a_day_showed_stays_as_days_pass() -> None:
    before = generate(SimState(seed=5, people=300, day=0))
    after = generate(SimState(seed=5, people=300, day=3))
    events_before = [render_event(e) for e in before.loyalty_events]
    assert [render_event(e) for e in after.loyalty_events[: len(events_before)]] == events_before
    assert len(after.loyalty_events) > len(events_before)
    answers = [feedback_properties(f) for f in before.feedback]
    assert [feedback_properties(f) for f in after.feedback[: len(answers)]] == answers
    accounts_after = {a.customer.seq: a for a in after.loyalty_accounts}
    assert all(a.customer.seq in accounts_after for a in before.loyalty_accounts), "nobody leaves the program"
    files_before = {day: [render(e) for e in events] for day, events, _ in finished_days(Web(before))}
    files_after = {day: [render(e) for e in events] for day, events, _ in finished_days(Web(after))}
    assert files_before and {day: files_after[day] for day in files_before} == files_before
    assert len(files_after) == len(files_before) + 3


def test_a_ledger_adds_up_to_its_account() -> None:
    world = generate(SimState(seed=6, people=500, day=2))
    ledgers: dict[int, list] = {}
    for event in world.loyalty_events:
        ledgers.setdefault(event.account.customer.seq, []).append(event)
    kinds = Counter(e.type for e in world.loyalty_events)
    assert set(kinds) == {
        "ACCUMULATE_POINTS",
        "CREATE_REWARD",
        "REDEEM_REWARD",
        "DELETE_REWARD",
        "ADJUST_POINTS",
        "EXPIRE_POINTS",
    }, kinds
    for account in world.loyalty_accounts:
        events = ledgers.get(account.customer.seq, [])
        assert account.balance == sum(e.points for e in events)
        assert account.balance == sum(points for _, points in account.deadlines)
        assert all(e.created < world.now for e in events)
    phones = [a.phone for a in world.loyalty_accounts]
    assert len(phones) == len(set(phones)), "a phone number maps to one account"
    square_customers = len(world.customers["square"])
    assert 0.3 * square_customers < len(world.loyalty_accounts) < 0.7 * square_customers


def test_survey_answers_follow_nps_and_come_from_contacts() -> None:
    world = generate(SimState(seed=6, people=500, day=0))
    surveys = Counter(f.survey for f in world.feedback)
    assert surveys["NPS"] > surveys["CSAT"] > 0 and surveys["CES"] > 0
    groups = Counter(nps_group(f.value) for f in world.feedback if f.survey == "NPS")
    assert groups["promoter"] > groups["detractor"] > 0 and groups["passive"] > 0
    assert all(f.contact.system == "hubspot" and f.contact.email for f in world.feedback)
    assert all(f.contact.created < f.submitted < world.now for f in world.feedback)
    for f in world.feedback:
        props = feedback_properties(f)
        assert props["hs_value"] == str(f.value)
        if f.survey == "NPS":
            assert props["hs_response_group"] == nps_group(f.value).upper()


def test_visits_are_believable_and_shared_tablets_serve_many_people() -> None:
    world = generate(SimState(seed=7, people=500, day=0))
    web = Web(world)
    events = [event for _, day_events, _ in finished_days(web) for event in day_events]
    names = Counter(e.name for e in events)
    assert names["page_viewed"] > names["product_viewed"] > names["product_added_to_cart"] > names["checkout_started"]
    assert names["checkout_started"] > names["checkout_completed"] > 0, "some checkouts are abandoned"
    anonymous = [e for e in events if e.person is None]
    assert len(anonymous) > 0.2 * len(events), "many visitors are never known"
    # Every web order of the history shown ends a visit with its completed checkout.
    completed = {e.detail[0].order.seq for e in events if e.name == "checkout_completed"}
    shown = [o for o in world.orders["shopify"] if o.created >= min(e.ts for e in events) + 3600]
    assert {o.seq for o in shown} <= completed
    # A shop's tablet is used by many people; a person's own device by them (and rarely a guest).
    users = Counter()
    for client, people in _people_by_client(events).items():
        users[client] = len(people)
    tablets = {web.tablet(store) for store in range(8)}
    assert all(users[tablet] >= 2 for tablet in tablets if tablet in users) and tablets & set(users)
    owners = {client: pid for client, pid, _ in web.clients() if pid is not None}
    personal = [c for c in users if c in owners]
    assert personal and sum(users[c] == 1 for c in personal) > 0.95 * len(personal)


def _people_by_client(events) -> dict[str, set[int]]:
    people: dict[str, set[int]] = {}
    for event in events:
        if event.person is not None and event.customer_id is not None:
            people.setdefault(event.client, set()).add(event.person)
    return people
