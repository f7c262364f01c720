"""Each API pages through every record exactly once, filters incrementally and checks tokens."""

from __future__ import annotations

import csv
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path

from simulator.state import read_state, state_path
from tests.simulator.conftest import BEARER, SHOPIFY, SHOPIFY_AUTH, Walker

LOCATIONS = {"location_ids": []}


def _location_ids(sim: Walker) -> list[str]:
    response = sim.request("GET", "/v2/locations", headers=BEARER)
    assert response.status_code == 200
    locations = response.json()["locations"]
    assert {loc["currency"] for loc in locations} == {"IDR", "VND", "PLN", "USD"}
    return [loc["id"] for loc in locations]


def _unique(records: list[dict], key: str = "id") -> list:
    ids = [r[key] for r in records]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"returned more than once: {duplicates[:5]}"
    return ids


def test_date_header_is_the_simulated_clock(simulator: Walker) -> None:
    response = simulator.request("GET", "/v2/locations", headers=BEARER)
    assert parsedate_to_datetime(response.headers["date"]).isoformat() == "2026-06-01T02:00:00+00:00"


def test_shopify_pages_every_record_once(simulator: Walker) -> None:
    for resource, params in (("customers", {}), ("orders", {"status": "any"}), ("checkouts", {})):
        records = simulator.shopify(resource, **params)
        count = simulator.request(
            "GET", f"{SHOPIFY}/{resource}/count.json", params=params, headers=SHOPIFY_AUTH
        ).json()["count"]
        ids = _unique(records)
        assert len(ids) == count > 0
        assert ids == sorted(ids)
    small_pages = simulator.shopify("customers", limit=7)
    assert [c["id"] for c in small_pages] == [c["id"] for c in simulator.shopify("customers")]


def test_shopify_previous_link_and_filters(simulator: Walker) -> None:
    first = simulator.request("GET", f"{SHOPIFY}/customers.json", params={"limit": 5}, headers=SHOPIFY_AUTH)
    second = simulator.request("GET", first.links["next"]["url"], headers=SHOPIFY_AUTH)
    back = simulator.request("GET", second.links["previous"]["url"], headers=SHOPIFY_AUTH)
    assert simulator.body(back) == simulator.body(first)
    mixed = simulator.request(
        "GET", first.links["next"]["url"] + "&updated_at_min=2025-01-01T00:00:00Z", headers=SHOPIFY_AUTH
    )
    assert mixed.status_code == 400 and "page_info" in mixed.json()["errors"]
    since = "2026-01-01T00:00:00+07:00"
    recent = simulator.shopify("orders", status="any", updated_at_min=since)
    everything = simulator.shopify("orders", status="any")
    assert 0 < len(recent) < len(everything)
    assert {o["id"] for o in recent} == {o["id"] for o in everything if o["updated_at"] >= since}
    open_orders = simulator.shopify("orders")
    assert len(open_orders) == sum(1 for o in everything if o["cancelled_at"] is None)


def test_square_pages_every_record_once(simulator: Walker) -> None:
    customers = simulator.square_customers({"limit": 37})
    listed = simulator.square_list("customers", "/v2/customers", limit=100)
    assert sorted(_unique(customers)) == sorted(_unique(listed))
    orders = simulator.square_orders(
        {
            "location_ids": _location_ids(simulator),
            "limit": 500,
            "query": {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}},
        }
    )
    order_ids = _unique(orders)
    updated = [o["updated_at"] for o in orders]
    assert updated == sorted(updated)
    assert any("customer_id" not in o for o in orders), "anonymous till sales"
    payments = simulator.square_list("payments", "/v2/payments", begin_time="2024-01-01T00:00:00Z", sort_order="ASC")
    assert sorted(p["order_id"] for p in payments) == sorted(order_ids)


def test_square_incremental_filters(simulator: Walker) -> None:
    since = "2026-03-01T00:00:00Z"
    locations = _location_ids(simulator)
    all_orders = simulator.square_orders({"location_ids": locations})
    recent = simulator.square_orders(
        {
            "location_ids": locations,
            "query": {
                "filter": {"date_time_filter": {"updated_at": {"start_at": since}}},
                "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
            },
        }
    )
    assert {o["id"] for o in recent} == {o["id"] for o in all_orders if o["updated_at"] >= since}
    one_store = simulator.square_orders({"location_ids": locations[:1]})
    assert {o["location_id"] for o in one_store} == {locations[0]}
    customers = simulator.square_customers()
    recent_customers = simulator.square_customers({"query": {"filter": {"updated_at": {"start_at": since}}}})
    assert {c["id"] for c in recent_customers} == {c["id"] for c in customers if c["updated_at"] >= since}


def test_hubspot_pages_every_record_once(simulator: Walker) -> None:
    listed = simulator.hubspot_list("contacts", properties="email,firstname,hs_email_optout")
    ids = _unique(listed)
    assert set(listed[0]["properties"]) >= {
        "email",
        "firstname",
        "hs_email_optout",
        "hs_object_id",
        "lastmodifieddate",
        "createdate",
    }
    searched = simulator.hubspot_search(
        "contacts", {"sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]}
    )
    assert sorted(_unique(searched)) == sorted(ids)
    since = "2025-06-01T00:00:00Z"
    recent = simulator.hubspot_search(
        "contacts",
        {
            "filterGroups": [
                {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1748736000000"}]}
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        },
    )
    assert {c["id"] for c in recent} == {c["id"] for c in listed if c["updatedAt"] >= since}
    tickets = simulator.hubspot_list(
        "tickets", associations="contacts", properties="subject,hs_pipeline_stage,hs_lastmodifieddate"
    )
    _unique(tickets)
    assert all(t["associations"]["contacts"]["results"][0]["id"] in set(ids) for t in tickets)
    assert sorted(t["id"] for t in simulator.hubspot_search("tickets", {})) == sorted(t["id"] for t in tickets)


def test_hubspot_email_events(simulator: Walker) -> None:
    events = simulator.email_events()
    assert len(_unique(events)) > 0
    created = [e["created"] for e in events]
    assert created == sorted(created)
    assert {"SENT", "DELIVERED", "OPEN"} <= {e["type"] for e in events}
    middle = created[len(created) // 2]
    later = simulator.email_events(startTimestamp=middle)
    assert [e["id"] for e in later] == [e["id"] for e in events if e["created"] >= middle]


def test_missing_token_is_refused_in_each_services_shape(simulator: Walker) -> None:
    shopify = simulator.request("GET", f"{SHOPIFY}/customers.json", headers={"X-Shopify-Access-Token": ""})
    assert shopify.status_code == 401 and "Invalid API key" in shopify.json()["errors"]
    square = simulator.request("POST", "/v2/customers/search", json={})
    assert square.status_code == 401 and square.json()["errors"][0]["category"] == "AUTHENTICATION_ERROR"
    hubspot = simulator.request("GET", "/crm/v3/objects/contacts")
    assert hubspot.status_code == 401 and hubspot.json()["category"] == "INVALID_AUTHENTICATION"
    mailchimp = simulator.request("GET", "/3.0/ping")
    assert mailchimp.status_code == 401 and mailchimp.json()["status"] == 401


def test_truth_covers_every_customer_and_contact(simulator: Walker, home: Path) -> None:
    with (home / "simulator" / "truth.csv").open() as handle:
        truth = {(row["source_system"], row["source_record_id"]): row for row in csv.DictReader(handle)}
    returned = (
        [("shopify", str(c["id"])) for c in simulator.shopify("customers")]
        + [("square", c["id"]) for c in simulator.square_customers()]
        + [("hubspot", c["id"]) for c in simulator.hubspot_list("contacts")]
    )
    assert set(returned) == set(truth)
    people = {row["person_id"] for row in truth.values()}
    assert len(people) < len(truth), "people appear in several systems"
    with (home / "simulator" / "malformed.csv").open() as handle:
        malformed = list(csv.DictReader(handle))
    assert {row["defect"] for row in malformed} and all(row["source_record_id"] for row in malformed)


def test_state_file_records_seed_people_day(home: Path) -> None:
    state = read_state(state_path(home))
    assert state is not None and (state.seed, state.people, state.day) == (7, 300, 0)
