"""Loader throughput against the simulator, beside a plain client reading the same data in the same run.

    .venv/bin/python -m benchmarks.ingest_throughput [PEOPLE]      (default CDP_BENCH_PEOPLE or 100000)

The simulator runs in its own process. For each source, first a plain client (httpx + orjson) reads exactly what the
loader reads (Shopify: the same bulk queries, their JSONL files downloaded and decoded; Square and HubSpot: the same
pages), then the project's pipeline loads the same data into a fresh warehouse, merged on keys, in a process of its
own (so its peak memory is its own). Records are the resources' own rows (not child rows, quarantine or derived
tables). Targets (issue 17): every source at least 30,000 records/s and half the plain client's rate, at most 1 GB.
"""

from __future__ import annotations

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

from dlt_sources.hubspot.settings import CONTACT_PROPERTIES, EMAIL_OPTOUT_PROPERTY, TICKET_PROPERTIES
from dlt_sources.shopify import RESOURCES
from dlt_sources.shopify.settings import API_VERSION
from simulator import running_simulator

SHOPIFY = f"/admin/api/{API_VERSION}/graphql.json"
AUTH = {"X-Shopify-Access-Token": "bench", "Authorization": "Bearer bench"}
TARGET_RATE, TARGET_RATIO, TARGET_PEAK_MB = 30_000, 0.5, 1024
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
    return count + _pages(
        http, "GET", "/v2/payments", "payments", {"limit": 100, "sort_order": "ASC", "begin_time": since}, in_body=False
    )


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

LOAD_ONE = """
import json, resource, sys, time
from dlt_sources.connections import Connection
from dlt_sources.pipelines import LOADER_FILE_FORMAT, make_pipeline, make_source
from warehouse import pipelines_dir, warehouse_path
source, url, not_records = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
started = time.perf_counter()
pipeline = make_pipeline(source, warehouse_path(), pipelines_dir())
pipeline.run(make_source(Connection(source, url, "bench", True)), loader_file_format=LOADER_FILE_FORMAT)
counts = pipeline.last_trace.last_normalize_info.row_counts
records = sum(n for table, n in counts.items()
              if "__" not in table and not table.startswith("_dlt") and table not in not_records)
print(json.dumps({"records": records, "rows": sum(counts.values()), "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("CDP_BENCH_PEOPLE", "100000"))
    home = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    env = {**os.environ, "CDP_HOME": str(home)}
    print(f"Simulating {people:,} people in {home} (generation takes a while at this size)…", flush=True)
    rows = []
    with running_simulator(home=home, people=people, seed=42) as base_url:
        with httpx.Client(base_url=base_url, headers=AUTH, timeout=600) as http:
            for source, walk in WALKERS.items():
                started = time.perf_counter()
                fetched = walk(http)
                raw_seconds = time.perf_counter() - started
                print(f"  {source}: plain client {fetched:,} records in {raw_seconds:.1f} s", flush=True)
                out = subprocess.run(
                    [sys.executable, "-c", LOAD_ONE, source, base_url, ",".join(NOT_RECORDS)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                load = json.loads(out.strip().splitlines()[-1])
                print(f"  {source}: pipeline {load['records']:,} records in {load['seconds']:.1f} s", flush=True)
                rows.append((source, fetched, fetched / raw_seconds, load))
    print(f"\nIngestion throughput, {people:,} simulated people (merge loads into a fresh warehouse)")
    print(
        f"{'source':<8} {'records':>10} {'plain rec/s':>12} {'loaded':>10} {'rows incl. children':>20} "
        f"{'load rec/s':>11} {'ratio':>6} {'peak MB':>8}  targets"
    )
    for source, fetched, raw_rate, load in rows:
        rate = load["records"] / load["seconds"]
        met = rate >= TARGET_RATE and rate / raw_rate >= TARGET_RATIO and load["peak_mb"] <= TARGET_PEAK_MB
        print(
            f"{source:<8} {fetched:>10,} {raw_rate:>12,.0f} {load['records']:>10,} {load['rows']:>20,} "
            f"{rate:>11,.0f} {rate / raw_rate:>6.2f} {load['peak_mb']:>8,.0f}  {'met' if met else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
