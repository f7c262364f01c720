"""Loader throughput against the simulator, beside a plain client reading the same data in the same run.

    .venv/bin/python -m benchmarks.ingest_throughput [PEOPLE]      (default CDP_BENCH_PEOPLE or 100000)

The simulator runs in its own process. For each source, first a plain client (httpx + orjson) reads exactly what the
loader reads (Shopify: the same bulk queries, their JSONL files downloaded and decoded, once rendered by the simulator
before either is timed; Square and HubSpot: the same pages), then the project's pipeline loads the same data into a
fresh warehouse, merged on keys, in a process of its own (so its peak memory is its own). Records are the resources'
own rows (not child rows, quarantine or derived tables). Also the simulator's own render rate per source (in process,
no HTTP) and how much of a core the machine gives a process. Targets (issue 17): every source at least 30,000
records/s and half the plain client's rate, at most 1 GB; the simulator at least 50,000 records/s.

Beside each rate, the CPU seconds the client (plain or pipeline) and the simulator spent on it, and how busy that kept
the machine's cores (`busy`: both CPU times over wall time times cores). A busy share near 1 says the machine was the
limit, not waiting on the wire; a low one that requests waited for each other.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from benchmarks.engines import simulator_processes
from dlt_sources.hubspot.settings import (
    CONTACT_PROPERTIES,
    EMAIL_OPTOUT_PROPERTY,
    FEEDBACK_PROPERTIES,
    TICKET_PROPERTIES,
)
from dlt_sources.shopify import RESOURCES
from dlt_sources.shopify.settings import API_VERSION
from simulator import running_simulator

SHOPIFY = f"/admin/api/{API_VERSION}/graphql.json"
AUTH = {"X-Shopify-Access-Token": "bench", "Authorization": "Bearer bench"}
TARGET_RATE, TARGET_RATIO, TARGET_PEAK_MB, TARGET_RENDER = 30_000, 0.5, 1024, 50_000
# Tables a load writes that are not records of the source: child rows, findings, what the loader derives.
NOT_RECORDS = {"quarantine", "locations", "consent_observations"}


def walk_shopify(http: httpx.Client) -> int:
    """Every resource through the loader's own bulk query: run, poll, download, decode; root objects counted."""
    count = 0
    for resource in RESOURCES:
        mutation = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } } }"
        started = http.post(SHOPIFY, json={"query": mutation, "variables": {"q": resource.bulk_query()}}).json()
        operation = started["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }"
        while (node := http.post(SHOPIFY, json={"query": poll, "variables": {"id": operation}}).json()["data"]["node"])[
            "status"
        ] != "COMPLETED":
            time.sleep(0.05)
        if node["url"]:
            with http.stream("GET", node["url"]) as body:
                rest = b""
                for chunk in body.iter_bytes(1 << 20):
                    *lines, rest = (rest + chunk).split(b"\n")
                    count += sum("__parentId" not in orjson.loads(line) for line in lines if line)
    return count


def _pages(http: httpx.Client, method: str, path: str, key: str, body: dict[str, Any], in_body: bool) -> int:
    count, cursor = 0, None
    while True:
        arguments = {**body, **({"cursor": cursor} if cursor else {})}
        answer = http.request(method, path, **({"json": arguments} if in_body else {"params": arguments}))
        page = orjson.loads(answer.content)
        count += len(page.get(key) or [])
        cursor = page.get("cursor")
        if not cursor:
            return count


def walk_square(http: httpx.Client) -> int:
    locations = [loc["id"] for loc in orjson.loads(http.get("/v2/locations").content)["locations"]]
    since = "2000-01-01T00:00:00Z"
    count = _pages(
        http,
        "POST",
        "/v2/customers/search",
        "customers",
        {
            "limit": 100,
            "query": {"filter": {"updated_at": {"start_at": since}}, "sort": {"field": "CREATED_AT", "order": "ASC"}},
        },
        in_body=True,
    )
    for first in range(0, len(locations), 10):
        count += _pages(
            http,
            "POST",
            "/v2/orders/search",
            "orders",
            {
                "location_ids": locations[first : first + 10],
                "limit": 500,
                "query": {
                    "filter": {"date_time_filter": {"updated_at": {"start_at": since}}},
                    "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
                },
            },
            in_body=True,
        )
    count += _pages(
        http, "GET", "/v2/payments", "payments", {"limit": 100, "sort_order": "ASC", "begin_time": since}, in_body=False
    )
    # Loyalty: the program, every account, and the events since the start (the search's largest page is 30).
    count += "program" in orjson.loads(http.get("/v2/loyalty/programs/main").content)
    count += _pages(http, "POST", "/v2/loyalty/accounts/search", "loyalty_accounts", {"limit": 200}, in_body=True)
    events = {"limit": 30, "query": {"filter": {"date_time_filter": {"created_at": {"start_at": since}}}}}
    return count + _pages(http, "POST", "/v2/loyalty/events/search", "events", events, in_body=True)


def walk_hubspot(http: httpx.Client) -> int:
    count = 0
    for obj, params in (
        (
            "contacts",
            {
                "limit": 50,
                "properties": ",".join([*CONTACT_PROPERTIES, "ads_consent"]),
                "propertiesWithHistory": f"{EMAIL_OPTOUT_PROPERTY},ads_consent",
            },
        ),
        ("tickets", {"limit": 100, "properties": ",".join(TICKET_PROPERTIES), "associations": "contacts"}),
        (
            "feedback_submissions",
            {"limit": 100, "properties": ",".join(FEEDBACK_PROPERTIES), "associations": "contacts"},
        ),
    ):
        while True:
            page = orjson.loads(http.get(f"/crm/v3/objects/{obj}", params=params).content)
            count += len(page["results"])
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            params = {**params, "after": after}
    params = {"startTimestamp": 946684800000, "endTimestamp": 4102444800000, "limit": 1000}
    while True:
        page = orjson.loads(http.get("/email/public/v1/events", params=params).content)
        count += len(page["events"])
        if not page.get("hasMore"):
            break
        params["offset"] = page["offset"]
    return count


WALKERS = {"shopify": walk_shopify, "square": walk_square, "hubspot": walk_hubspot}
RENDER_PEOPLE = 5_000


def render_rates(people: int = RENDER_PEOPLE) -> dict[str, float]:
    """Records/s the simulator renders and serialises per source, in process (no HTTP), through the code its
    endpoints use: Shopify's bulk rendering of the loader's own queries, Square's and HubSpot's records as their
    pages hold them."""
    from simulator import SimState, generate, hubspot, square
    from simulator.shopify import render
    from simulator.shopify.graphql import Compiler, Counter, Plan, operation, parsed, project
    from simulator.web import json_bytes

    world = generate(SimState(seed=42, people=people, day=0))
    # Out of the garbage collector's sight, as the server holds its world (simulation._settle); back at the end.
    gc.collect()
    gc.freeze()

    def timed(work: list[tuple[list[Any], Any]]) -> float:
        count, started = 0, time.perf_counter()
        for items, render_one in work:
            for item in items:
                render_one(item)
            count += len(items)
        return count / (time.perf_counter() - started)

    def bulk(query: str, render_view: Any) -> Any:
        document = parsed(query)
        plan = Compiler(document, {}).plan(operation(document, None).selection_set, "QueryRoot").entries[0].plan
        parent = Plan(plan.type_name, [e for e in plan.entries if e.kind != "connection"])
        nested = [e for e in plan.entries if e.kind == "connection"]

        def one(item: Any) -> None:
            view, counter = render_view(item), Counter()
            json_bytes(project(view, parent, counter))
            for entry in nested:
                for node in getattr(view, entry.name):
                    shown = project(node, entry.plan, counter)
                    shown["__parentId"] = view.id
                    json_bytes(shown)

        return one

    views = {"customers": render.customer, "orders": render.order, "checkouts": render.checkout}
    held = {"customers": world.customers["shopify"], "orders": world.orders["shopify"], "checkouts": world.checkouts}
    contacts = hubspot._index(world).objects["contacts"]
    properties, history = [*CONTACT_PROPERTIES, "ads_consent"], [EMAIL_OPTOUT_PROPERTY, "ads_consent"]
    rates = {
        "shopify": timed([(held[r.entity.name], bulk(r.bulk_query(), views[r.entity.name])) for r in RESOURCES]),
        "square": timed(
            [
                # The day's IDs, computed together as the day's first page does (counted as one record).
                ([world], square.hold_ids),
                (world.customers["square"], lambda c: orjson.dumps(square.render_customer(c))),
                (world.orders["square"], lambda o: orjson.dumps(square.render_order(o))),
                (world.orders["square"], lambda o: orjson.dumps(square.render_payment(o))),
            ]
        ),
        "hubspot": timed(
            [
                (world.customers["hubspot"], lambda c: orjson.dumps(contacts.render(c, properties, False, history))),
                (world.email_events, lambda e: orjson.dumps(hubspot._render_event(e))),
            ]
        ),
    }
    gc.unfreeze()
    return rates


def machine_speed() -> float:
    """Small JSON documents serialised a second: how much of a core this process gets (a free one does millions)."""
    started = time.perf_counter()
    for _ in range(200_000):
        orjson.dumps({"a": 1, "b": "x" * 20, "c": [1, 2, 3]})
    return 200_000 / (time.perf_counter() - started)


LOAD_ONE = """
import json, resource, sys, time
from dlt_sources.connections import Connection
from dlt_sources.pipelines import LOADER_FILE_FORMAT, make_pipeline, make_source
from warehouse import pipelines_dir, warehouse_path
source, url, not_records = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
pipeline = make_pipeline(source, warehouse_path(), pipelines_dir())
pipeline.run(make_source(Connection(source, url, "bench", True)), loader_file_format=LOADER_FILE_FORMAT)
counts = pipeline.last_trace.last_normalize_info.row_counts
records = sum(n for table, n in counts.items()
              if "__" not in table and not table.startswith("_dlt") and table not in not_records)
used = resource.getrusage(resource.RUSAGE_SELF)
cpu_seconds = used.ru_utime + used.ru_stime - before.ru_utime - before.ru_stime
print(json.dumps({"records": records, "rows": sum(counts.values()), "seconds": time.perf_counter() - started,
                  "peak_mb": used.ru_maxrss / 1024, "cpu_seconds": cpu_seconds}))
"""


def simulator_cpu_seconds() -> float:
    """CPU seconds the simulator serving this benchmark has used so far (user and system)."""
    return sum(sum(process.cpu_times()[:2]) for process in simulator_processes(psutil.Process()))


def busy_share(cpu_seconds: float, wall_seconds: float) -> float:
    """The share of the machine's cores that `cpu_seconds` kept busy over `wall_seconds`."""
    return cpu_seconds / (wall_seconds * (os.cpu_count() or 1))


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("CDP_BENCH_PEOPLE", "100000"))
    home = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    env = {**os.environ, "CDP_HOME": str(home)}
    print(f"Simulating {people:,} people in {home} (generation takes a while at this size)…", flush=True)
    rows = []
    with running_simulator(home=home, people=people, seed=42) as base_url:
        with httpx.Client(base_url=base_url, headers=AUTH, timeout=600) as http:
            # The simulator renders a bulk query once per simulated day: both clients read the files rendered.
            walk_shopify(http)
            for source, walk in WALKERS.items():
                started, own, served = time.perf_counter(), time.process_time(), simulator_cpu_seconds()
                fetched = walk(http)
                raw_seconds = time.perf_counter() - started
                plain = {"client": time.process_time() - own, "simulator": simulator_cpu_seconds() - served}
                print(f"  {source}: plain client {fetched:,} records in {raw_seconds:.1f} s", flush=True)
                served = simulator_cpu_seconds()
                out = subprocess.run(
                    [sys.executable, "-c", LOAD_ONE, source, base_url, ",".join(NOT_RECORDS)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                load = json.loads(out.strip().splitlines()[-1])
                load["simulator_cpu_seconds"] = simulator_cpu_seconds() - served
                print(f"  {source}: pipeline {load['records']:,} records in {load['seconds']:.1f} s", flush=True)
                rows.append((source, fetched, raw_seconds, plain, load))
    print(f"  simulator render rates ({RENDER_PEOPLE:,} people, in process)…", flush=True)
    rendered, speed = render_rates(), machine_speed()
    print(f"\nIngestion throughput, {people:,} simulated people (merge loads into a fresh warehouse)")
    print(
        f"{'source':<8} {'records':>10} {'plain rec/s':>12} {'loaded':>10} {'rows incl. children':>20} "
        f"{'load rec/s':>11} {'ratio':>6} {'peak MB':>8} {'render rec/s':>13}  targets"
    )
    for source, fetched, raw_seconds, _, load in rows:
        raw_rate, rate = fetched / raw_seconds, load["records"] / load["seconds"]
        met = (
            rate >= TARGET_RATE
            and rate / raw_rate >= TARGET_RATIO
            and load["peak_mb"] <= TARGET_PEAK_MB
            and rendered[source] >= TARGET_RENDER
        )
        print(
            f"{source:<8} {fetched:>10,} {raw_rate:>12,.0f} {load['records']:>10,} {load['rows']:>20,} "
            f"{rate:>11,.0f} {rate / raw_rate:>6.2f} {load['peak_mb']:>8,.0f} {rendered[source]:>13,.0f}  "
            f"{'met' if met else 'NOT met'}"
        )
    print(f"\nCPU seconds and the share of the {os.cpu_count()} cores they kept busy (the simulator's own beside)")
    print(f"{'source':<8} {'client':<9} {'wall s':>8} {'client CPU s':>13} {'simulator CPU s':>16} {'busy':>6}")
    for source, _, raw_seconds, plain, load in rows:
        for client, wall, own, served in (
            ("plain", raw_seconds, plain["client"], plain["simulator"]),
            ("pipeline", load["seconds"], load["cpu_seconds"], load["simulator_cpu_seconds"]),
        ):
            print(
                f"{source:<8} {client:<9} {wall:>8.1f} {own:>13.1f} {served:>16.1f} "
                f"{busy_share(own + served, wall):>6.2f}"
            )
    print(f"machine: {speed:,.0f} small JSON documents serialised a second by one process (a free core: ~2,000,000)")


if __name__ == "__main__":
    main()
