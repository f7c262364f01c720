"""Loader throughput against the simulator, beside the raw rate of fetching the same pages.

    .venv/bin/python -m benchmarks.ingest_throughput [PEOPLE]      (default CDP_BENCH_PEOPLE or 100000)

The simulator runs in its own process. For each source: records/s of a plain httpx + orjson walk of every
page (the ceiling), then records/s and peak memory of the project's dlt pipeline loading the same data into
a fresh warehouse (each load in its own process, so its peak memory is its own).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from simulator import running_simulator

SHOPIFY = "/admin/api/2024-07"
AUTH = {"X-Shopify-Access-Token": "bench", "Authorization": "Bearer bench"}


def walk_shopify(http: httpx.Client) -> int:
    count = 0
    for resource in ("customers", "orders", "checkouts"):
        url = f"{SHOPIFY}/{resource}.json?limit=250" + ("&status=any" if resource == "orders" else "")
        while url:
            response = http.get(url)
            count += len(orjson.loads(response.content)[resource])
            url = response.links.get("next", {}).get("url")
    return count


def walk_square(http: httpx.Client) -> int:
    count = 0
    locations = [loc["id"] for loc in orjson.loads(http.get("/v2/locations").content)["locations"]]
    for path, key, body in (
        ("/v2/customers/search", "customers", {"limit": 100}),
        (
            "/v2/orders/search",
            "orders",
            {
                "limit": 500,
                "location_ids": locations,
                "query": {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}},
            },
        ),
    ):
        cursor = None
        while True:
            page = orjson.loads(http.post(path, json={**body, **({"cursor": cursor} if cursor else {})}).content)
            count += len(page.get(key, []))
            cursor = page.get("cursor")
            if not cursor:
                break
    params = {"limit": 100, "begin_time": "2000-01-01T00:00:00Z"}
    while True:
        page = orjson.loads(http.get("/v2/payments", params=params).content)
        count += len(page.get("payments", []))
        if not page.get("cursor"):
            break
        params["cursor"] = page["cursor"]
    return count


def walk_hubspot(http: httpx.Client) -> int:
    count = 0
    for obj in ("contacts", "tickets"):
        params = {"limit": 100}
        while True:
            page = orjson.loads(http.get(f"/crm/v3/objects/{obj}", params=params).content)
            count += len(page["results"])
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            params["after"] = after
    params = {"startTimestamp": 0, "endTimestamp": 4102444800000, "limit": 1000}
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
from dlt_sources.pipelines import make_pipeline, make_source
from warehouse import pipelines_dir, warehouse_path
source, url = sys.argv[1], sys.argv[2]
started = time.perf_counter()
pipeline = make_pipeline(source, warehouse_path(), pipelines_dir())
pipeline.run(make_source(Connection(source, url, "bench", True)), loader_file_format="parquet")
counts = pipeline.last_trace.last_normalize_info.row_counts
records = sum(n for table, n in counts.items()
              if "__" not in table and not table.startswith("_dlt") and table not in ("quarantine", "locations"))
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
        with httpx.Client(base_url=base_url, headers=AUTH, timeout=120) as http:
            for source, walk in WALKERS.items():
                started = time.perf_counter()
                fetched = walk(http)
                raw_seconds = time.perf_counter() - started
                print(f"  {source}: raw fetch {fetched:,} records in {raw_seconds:.1f} s", flush=True)
                out = subprocess.run(
                    [sys.executable, "-c", LOAD_ONE, source, base_url],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                load = json.loads(out.strip().splitlines()[-1])
                print(f"  {source}: dlt load {load['records']:,} records in {load['seconds']:.1f} s", flush=True)
                rows.append(
                    (
                        source,
                        fetched,
                        fetched / raw_seconds,
                        load["records"],
                        load["rows"],
                        load["records"] / load["seconds"],
                        load["peak_mb"],
                    )
                )
    print(f"\nIngestion throughput, {people:,} simulated people")
    print(
        f"{'source':<8} {'records':>10} {'raw rec/s':>10} {'loaded':>10} {'rows incl. children':>20} "
        f"{'dlt rec/s':>10} {'ratio':>6} {'peak MB':>8}"
    )
    for source, fetched, raw_rate, records, all_rows, rate, peak in rows:
        print(
            f"{source:<8} {fetched:>10,} {raw_rate:>10,.0f} {records:>10,} {all_rows:>20,} {rate:>10,.0f} "
            f"{rate / raw_rate:>6.2f} {peak:>8,.0f}"
        )


if __name__ == "__main__":
    main()
