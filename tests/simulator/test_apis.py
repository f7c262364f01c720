"""Each API pages through every record exactly once, filters incrementally and checks tokens."""

from __future__ import annotations

import csv
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import orjson

from simulator import advance_day, generate, running_simulator
from simulator.ids import shopify_checkout_id, shopify_customer_id, shopify_order_id
from simulator.model import World
from simulator.shopify.bulk import BulkOperations
from simulator.state import read_state, state_path
from tests.simulator.conftest import BEARER, SHOPIFY, SHOPIFY_AUTH, Walker, wait_for

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


def _world(home: Path) -> World:
    state = read_state(state_path(home))
    assert state is not None
    return generate(state)


def test_shopify_pages_every_record_once(simulator: Walker, home: Path) -> None:
    world = _world(home)
    held = {
        "customers": [shopify_customer_id(c.seq) for c in world.customers["shopify"]],
        "orders": [shopify_order_id(o.seq) for o in world.orders["shopify"]],
        "abandonedCheckouts": [shopify_checkout_id(o.seq) for o in world.checkouts],
    }
    for connection, expected in held.items():
        ids = _unique(simulator.shopify(connection))
        assert [int(gid.rsplit("/", 1)[1]) for gid in ids] == sorted(expected), connection
    small_pages = simulator.shopify("customers", first=7)
    assert [c["id"] for c in small_pages] == [c["id"] for c in simulator.shopify("customers")]
    by_update = simulator.shopify("orders", "id updatedAt", sort_key="UPDATED_AT", first=50)
    assert [o["updatedAt"] for o in by_update] == sorted(o["updatedAt"] for o in by_update)
    assert sorted(_unique(by_update)) == sorted(o["id"] for o in simulator.shopify("orders"))


def test_shopify_cursors_and_search(simulator: Walker) -> None:
    page = (
        "query($first: Int, $last: Int, $after: String, $before: String) { customers(first: $first, "
        "last: $last, after: $after, before: $before) { nodes { id } "
        "pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }"
    )
    first = simulator.graphql(page, {"first": 5})["data"]["customers"]
    second = simulator.graphql(page, {"first": 5, "after": first["pageInfo"]["endCursor"]})["data"]["customers"]
    back = simulator.graphql(page, {"last": 5, "before": second["pageInfo"]["startCursor"]})["data"]["customers"]
    assert (
        back["nodes"] == first["nodes"] and first["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]
    )
    since = "2026-01-01T00:00:00Z"
    everything = simulator.shopify("orders", "id updatedAt cancelledAt")
    recent = simulator.shopify("orders", "id updatedAt", query=f"updated_at:>='{since}'")
    assert 0 < len(recent) < len(everything)
    assert {o["id"] for o in recent} == {o["id"] for o in everything if o["updatedAt"] >= since}
    open_orders = simulator.shopify("orders", query="status:open")
    assert len(open_orders) == sum(1 for o in everything if o["cancelledAt"] is None)
    answer = simulator.graphql('{ customers(first: 1, query: "colour:blue") { nodes { id } } }')
    assert answer["extensions"]["search"][0]["warnings"][0]["field"] == "colour", "Shopify reports a field it ignores"


def test_shopify_refuses_in_its_own_shapes(simulator: Walker) -> None:
    def ask(query: str) -> dict:
        response = simulator.request("POST", SHOPIFY, json={"query": query}, headers=SHOPIFY_AUTH)
        assert response.status_code == 200, "GraphQL errors come as 200 answers with `errors`"
        return response.json()

    assert "Cannot query field" in ask("{ customers(first: 1) { nodes { nickname } } }")["errors"][0]["message"]
    assert ask("{ customers { nodes { id } } }")["errors"][0]["message"] == "you must provide one of first or last"
    costly = ask("{ orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id product { id } } } } } }")
    assert costly["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED" and "data" not in costly


def test_shopify_bulk_operation_exports_every_record_and_its_lines(simulator: Walker, home: Path) -> None:
    world = _world(home)
    started = simulator.graphql(
        'mutation { bulkOperationRunQuery(query: """{ orders { edges { node { id name lineItems { edges { node '
        '{ id quantity } } } } } } }""") { bulkOperation { id status } userErrors { field message code } } }'
    )["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] in ("CREATED", "RUNNING", "COMPLETED")
    poll = (
        "query($id: ID!) { node(id: $id) { ... on BulkOperation { status objectCount rootObjectCount fileSize url } } }"
    )
    deadline = time.monotonic() + 30
    while (op := simulator.graphql(poll, {"id": started["bulkOperation"]["id"]})["data"]["node"])[
        "status"
    ] != "COMPLETED":
        assert time.monotonic() < deadline, op
        time.sleep(0.05)
    current = simulator.graphql("{ currentBulkOperation { id status } }")["data"]["currentBulkOperation"]
    assert current == {"id": started["bulkOperation"]["id"], "status": "COMPLETED"}
    body = httpx.get(op["url"]).content  # a signed storage URL: no access token
    assert len(body) == int(op["fileSize"])
    lines = [orjson.loads(line) for line in body.splitlines()]
    orders = [line for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    assert (
        (int(op["objectCount"]), int(op["rootObjectCount"]))
        == (len(lines), len(orders))
        == (
            len(orders) + sum(len(o.lines) for o in world.orders["shopify"]),
            len(world.orders["shopify"]),
        )
    )
    position = {line["id"]: i for i, line in enumerate(lines)}
    assert all(position[child["__parentId"]] < position[child["id"]] for child in children), "lines follow their order"
    assert all(
        child["id"].startswith("gid://shopify/LineItem/") and "lineItems" not in o
        for child in children
        for o in orders[:1]
    )


def test_shopify_cost_is_reported_and_a_drained_bucket_answers_throttled(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CDP_SHOPIFY_BUCKET", "300")
    monkeypatch.setenv("CDP_SHOPIFY_RESTORE_RATE", "1")
    with running_simulator(home=tmp_path, people=50, seed=2, faults=0.0, in_thread=True) as url:
        sim = Walker(url)
        query = "{ orders(first: 250) { nodes { id } } }"
        answer = sim.graphql(query)
        cost, shown = answer["extensions"]["cost"], len(answer["data"]["orders"]["nodes"])
        # Asked for: the connection (2) and 250 nodes (1 each); paid: what was shown, the rest refunded.
        assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (252, 2 + shown) and 100 < shown < 250
        assert cost["throttleStatus"]["maximumAvailable"] == 300.0 and cost["throttleStatus"]["restoreRate"] == 1.0
        refused = sim.request("POST", SHOPIFY, json={"query": query}, headers=SHOPIFY_AUTH).json()
        assert refused["errors"][0]["extensions"]["code"] == "THROTTLED" and "data" not in refused
        assert refused["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 252


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


def _half_millisecond_after(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment + timedelta(microseconds=500)).isoformat().replace("+00:00", "Z")


def test_square_time_ranges_hold_what_lies_inside_to_the_fraction(simulator: Walker) -> None:
    """A range bound with a fraction of a second (a listing cut in time slices sends them) holds the records inside
    it, to the fraction: a record stamped just before the bound is before it, whatever the API's resolution."""
    locations = _location_ids(simulator)

    def orders(updated: dict[str, str]) -> set[str]:
        query = {"filter": {"date_time_filter": {"updated_at": updated}}}
        return set(_unique(simulator.square_orders({"location_ids": locations, "limit": 500, "query": query})))

    def payments(**bounds: str) -> set[str]:
        return set(_unique(simulator.square_list("payments", "/v2/payments", sort_order="ASC", **bounds)))

    def events(created: dict[str, str]) -> set[str]:
        query = {"filter": {"date_time_filter": {"created_at": created}}}
        return set(
            _unique(simulator.square_search("events", "/v2/loyalty/events/search", {"limit": 30, "query": query}))
        )

    start = "2000-01-01T00:00:00Z"
    order = simulator.square_orders({"location_ids": locations, "limit": 500})[7]
    payment = simulator.square_list("payments", "/v2/payments", begin_time=start, sort_order="ASC")[7]
    event = simulator.square_search("events", "/v2/loyalty/events/search", {"limit": 30})[7]
    for record, updated_or_created, before, after in (
        (
            order,
            "updated_at",
            lambda cut: orders({"start_at": start, "end_at": cut}),
            lambda cut: orders({"start_at": cut}),
        ),
        (
            payment,
            "created_at",
            lambda cut: payments(begin_time=start, end_time=cut),
            lambda cut: payments(begin_time=cut),
        ),
        (
            event,
            "created_at",
            lambda cut: events({"start_at": start, "end_at": cut}),
            lambda cut: events({"start_at": cut}),
        ),
    ):
        cut = _half_millisecond_after(record[updated_or_created])
        assert record["id"] in before(cut), f"{record['id']} at {record[updated_or_created]} is before {cut}"
        assert record["id"] not in after(cut), f"{record['id']} at {record[updated_or_created]} is not from {cut} on"


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
    shopify = simulator.request("POST", SHOPIFY, json={"query": "{ shop { name } }"})
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
        [("shopify", c["legacyResourceId"]) for c in simulator.shopify("customers", "legacyResourceId")]
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


def test_one_bulk_query_runs_at_a_time(tmp_path: Path) -> None:
    release = threading.Event()

    def slow(connection: str, arguments: dict) -> Iterator:
        release.wait(10)
        yield from ()

    bulk = BulkOperations(tmp_path / "bulk", lambda: 0)
    query = "{ customers { edges { node { id } } } }"
    first, errors = bulk.start(query, slow, "http://127.0.0.1")
    assert first is not None and errors == []
    second, errors = bulk.start(query, slow, "http://127.0.0.1")
    assert second is None and errors[0].code == "OPERATION_IN_PROGRESS"
    assert f"gid://shopify/BulkOperation/{first.number}" in errors[0].message
    release.set()
    deadline = time.monotonic() + 10
    while first.status != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert first.url is None and first.object_count == 0, "nothing matched: no file"
    third, errors = bulk.start(query, slow, "http://127.0.0.1")
    assert third is not None and errors == []


def test_a_bulk_query_asked_again_the_same_day_is_the_file_already_rendered(tmp_path: Path) -> None:
    query = "{ customers { edges { node { id updatedAt } } } }"
    with running_simulator(home=tmp_path, people=120, seed=6, faults=0.0, in_thread=True) as url:
        sim = Walker(url)

        def export() -> tuple[str, bytes]:
            started = sim.graphql(
                "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } } }", {"q": query}
            )["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
            poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }"
            while (node := sim.graphql(poll, {"id": started})["data"]["node"])["status"] != "COMPLETED":
                time.sleep(0.02)
            return started, httpx.get(node["url"]).content

        first, first_file = export()
        again, again_file = export()
        assert again != first and again_file == first_file
        advance_day(1, home=tmp_path)
        wait_for(lambda: sim.request("GET", "/v2/locations", headers=BEARER).headers["date"].startswith("Tue, 02"))
        _, next_day = export()
        assert next_day != first_file, "a new day's customers are in the next day's file"
