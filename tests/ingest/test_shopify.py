"""Shopify through its GraphQL Admin API (bulk files and pages read by arrow load what reading them record by record
loads; the cost limit is waited for rather than hammered; an order with more lines than a page holds arrives whole),
and pages of the other sources read by arrow (Square's customers, orders and loyalty, HubSpot's email events and
feedback submissions)."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import duckdb
import httpx
import orjson
import pyarrow as pa
import pytest
import requests

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.pages import PageLoader
from dlt_sources.hubspot.settings import FEEDBACK_PROPERTIES
from dlt_sources.shopify import RESOURCES, bulk
from dlt_sources.shopify.helpers import ShopifyGraphQL
from simulator import advance_day, running_simulator
from simulator.config import DAY_SECONDS
from simulator.ids import shopify_order_id
from tests.ingest.helpers import load_all, simulated_world

GRAPHQL = "/admin/api/2025-01/graphql.json"
TOKEN = {"X-Shopify-Access-Token": "test-token"}


def _bulk_file(base_url: str, query: str, path: Path) -> Path:
    run = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } } }"
    poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }"
    answer = httpx.post(base_url + GRAPHQL, json={"query": run, "variables": {"q": query}}, headers=TOKEN).json()
    operation = answer["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    while True:
        node = httpx.post(base_url + GRAPHQL, json={"query": poll, "variables": {"id": operation}}, headers=TOKEN)
        if (status := node.json()["data"]["node"])["status"] == "COMPLETED":
            path.write_bytes(httpx.get(status["url"]).content)
            return path
        time.sleep(0.05)


def _tables(items: list) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for item in items:
        table = item.data if hasattr(item, "data") else item
        name = item.meta.hints["table_name"] if hasattr(item, "meta") else "records"
        columns = [c for c in table.column_names if c not in ("_dlt_id", "payload")] if name == "quarantine" else None
        rows.setdefault(name, []).extend((table.select(columns) if columns else table).to_pylist())
    return {name: sorted(found, key=repr) for name, found in rows.items()}


@pytest.mark.parametrize("small_groups", [False, True], ids=["one-group", "many-blocks-and-groups"])
def test_a_bulk_file_read_by_arrow_loads_what_reading_it_record_by_record_loads(tmp_path, monkeypatch, small_groups):
    monkeypatch.setenv("CDP_MALFORMED", "0.05")  # many findings: quarantine rows are compared too
    if small_groups:  # a large shop's file: many blocks, records and lines screened and held a group at a time
        monkeypatch.setattr(bulk, "BULK_BLOCK_BYTES", 16 << 10)
        monkeypatch.setattr(bulk, "BULK_RECORDS", 37)
        monkeypatch.setattr(bulk, "BULK_LINES", 53)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with running_simulator(home=tmp_path, people=400, seed=3, in_thread=True) as base_url:
        files = [
            (spec, _bulk_file(base_url, spec.bulk_query(), downloads / f"{spec.entity.name}.jsonl"))
            for spec in RESOURCES
        ]
    for spec, path in files:
        apart = spec.apart()
        with monkeypatch.context() as arrow_only:  # the arrow reading must have taken the whole file
            arrow_only.setattr(bulk, "_python_children", lambda *args: pytest.fail("read record by record"))
            in_arrow = _tables(
                list(bulk.load_file(path, spec.entity, apart, PageLoader(spec.entity, SourceClock(), Cursor({}))))
            )
        # Nothing it held while reading is left beside the file.
        assert sorted(p.name for p in downloads.iterdir()) == sorted(f"{r.entity.name}.jsonl" for r in RESOURCES)
        with monkeypatch.context() as forced:
            forced.setattr(bulk, "_arrow_read", lambda *args: (_ for _ in ()).throw(pa.ArrowInvalid("forced")))
            by_record = _tables(
                list(bulk.load_file(path, spec.entity, apart, PageLoader(spec.entity, SourceClock(), Cursor({}))))
            )
        assert in_arrow == by_record, spec.entity.name
        assert "quarantine" in in_arrow and len(in_arrow["records"]) > 50, spec.entity.name
        for child in spec.apart().values():  # each connection's lines were told apart and loaded
            assert in_arrow.get(f"{spec.entity.name}__{child.name}"), (spec.entity.name, child.name)


def test_the_cost_limit_is_waited_for_not_hammered(tmp_path, monkeypatch):
    # A bucket that holds two pages of customers and regains one page a second.
    monkeypatch.setenv("CDP_SHOPIFY_BUCKET", "1100")
    monkeypatch.setenv("CDP_SHOPIFY_RESTORE_RATE", "500")
    spec = RESOURCES[0]
    query = spec.page_query()
    variables = {"first": 100, "query": None}
    with running_simulator(home=tmp_path, people=2000, seed=4, in_thread=True) as base_url:
        hammering, refused = requests.Session(), 0
        for _ in range(6):
            answer = hammering.post(base_url + GRAPHQL, json={"query": query, "variables": variables}, headers=TOKEN)
            refused += any(e["extensions"]["code"] == "THROTTLED" for e in answer.json().get("errors", []))
        assert refused, "the bucket is small enough that a client asking in a row is refused"
        time.sleep(2.5)  # the bucket refills
        waits: list[float] = []
        client = ShopifyGraphQL(
            requests.Session(), base_url + GRAPHQL, "test-token", sleep=lambda s: (waits.append(s), time.sleep(s))
        )
        pages = [nodes for nodes, _ in client.pages(query, spec.connection, variables)]
    assert sum(map(len, pages)) > 500 and len(pages) > 5
    assert client.throttled == 0 and waits, "the client waited for the bucket before asking, and was never refused"


def test_an_order_with_more_lines_than_a_page_holds_arrives_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    monkeypatch.setattr("dlt_sources.shopify.LINE_ITEMS_PER_PAGE", 1)
    with running_simulator(home=tmp_path, people=300, seed=8, in_thread=True) as base_url:
        load_all(base_url)  # the first load: a bulk operation
        # Five days: a small shop's day brings an order or two, mostly of one line.
        advance_day(5, home=tmp_path)
        load_all(base_url)  # then pages, one line each, the rest asked for order by order
    world = simulated_world(tmp_path)
    later = {
        str(shopify_order_id(o.seq)): len(o.lines)
        for o in world.orders["shopify"]
        if o.created >= world.now - 5 * DAY_SECONDS and o.defect is None
    }
    assert any(n > 1 for n in later.values()), "the five days bring orders with several lines"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        lines = dict(
            con.execute(
                "select o.id, count(*) from raw_shopify.orders o join raw_shopify.orders__line_items l "
                "on l._dlt_parent_id = o._dlt_id where list_contains(?, o.id) group by o.id",
                [list(later)],
            ).fetchall()
        )
    assert lines == later


_FEEDBACK_LISTING = {"limit": 100, "properties": ",".join(FEEDBACK_PROPERTIES), "associations": "contacts"}


@pytest.mark.parametrize(
    ("path", "method", "key", "body", "entity", "flawed", "least"),
    [
        ("/v2/customers/search", "POST", "customers", {"limit": 100}, "square:CUSTOMERS", True, 50),
        ("/v2/orders/search", "POST", "orders", {"limit": 500, "location_ids": None}, "square:ORDERS", True, 50),
        (
            "/email/public/v1/events",
            "GET",
            "events",
            {"limit": 1000, "startTimestamp": 0},
            "hubspot:EMAIL_EVENTS",
            False,
            50,
        ),
        ("/v2/loyalty/programs", "GET", "programs", {}, "square.loyalty:LOYALTY_PROGRAM", False, 1),
        (
            "/v2/loyalty/accounts/search",
            "POST",
            "loyalty_accounts",
            {"limit": 200},
            "square.loyalty:LOYALTY_ACCOUNTS",
            False,
            50,
        ),
        # Square pages loyalty events 30 at a time. Loyalty's malformed records carry unknown fields, which are
        # loaded as columns of their own (no quarantine row): the page is read alike with them.
        ("/v2/loyalty/events/search", "POST", "events", {"limit": 30}, "square.loyalty:LOYALTY_EVENTS", False, 30),
        (
            "/crm/v3/objects/feedback_submissions",
            "GET",
            "results",
            _FEEDBACK_LISTING,
            "hubspot.feedback:FEEDBACK_SUBMISSIONS",
            True,
            50,
        ),
    ],
)
def test_a_page_read_by_arrow_loads_what_reading_it_record_by_record_loads(
    tmp_path, monkeypatch, path, method, key, body, entity, flawed, least
):
    from dlt_sources.common.pages import record_type
    from dlt_sources.common.tables import parse_pages

    module, name = entity.split(":")
    declared = getattr(importlib.import_module(f"dlt_sources.{module}"), name)
    monkeypatch.setenv("CDP_MALFORMED", "0.05")  # unknown fields, long texts, invalid emails, negative amounts
    with running_simulator(home=tmp_path, people=400, seed=3, in_thread=True) as base_url:
        auth = {"Authorization": "Bearer test-token"}
        if body.get("location_ids", "") is None:
            locations = httpx.get(base_url + "/v2/locations", headers=auth).json()["locations"]
            body = {**body, "location_ids": [location["id"] for location in locations]}
        where = {"json": body} if method == "POST" else {"params": body}
        content = httpx.request(method, base_url + path, headers=auth, **where).content
    parsed = parse_pages([content], key, record_type(declared.columns, declared.children))
    assert parsed is not None, "arrow reads a page of documented types"
    in_arrow = _tables(list(PageLoader(declared, SourceClock(), Cursor({})).page(parsed)))
    by_record = _tables(list(PageLoader(declared, SourceClock(), Cursor({})).page(orjson.loads(content)[key])))
    assert in_arrow == by_record
    assert len(in_arrow["records"]) >= least and ("quarantine" in in_arrow) == flawed
    for child in declared.children:  # a child list the page holds is loaded alike both ways
        table = f"{declared.name}__{child.name}"
        assert (table in in_arrow) == (table in by_record), table
