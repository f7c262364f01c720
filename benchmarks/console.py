"""Response times of the CDP console at 100,000 customers: a customer search and a profile page, median and p95.

    .venv/bin/python -m benchmarks.console [CUSTOMERS] [--base-people N] [--home PATH] [--requests N]

Building a real 100,000-person warehouse takes about half an hour here, so this is a synthetic scale-up of a small
real run: the nightly job runs on `--base-people` (default 1,000) simulated people (or the run a previous call left
in `--home PATH` is reused), and its published, pseudonymised analytics copy is multiplied into one holding
CUSTOMERS customers (default CDP_BENCH_PEOPLE or 100,000). Every table keyed by customer or source record is
repeated K times: copy 0 as published, the others with suffixed customer and record IDs and re-hashed personal
columns (distinct people, as many rows per customer as the real run has), written in the order the publishing step
writes them (clustered by customer, privacy/analytics_copy.py); other tables (sales, products, stores) are kept as
they are.

Then `cdp console` serves the scaled copy and the benchmark times, over HTTP as a browser would after logging in:
searches by email (typed as a person types them, hashed with the CDP's key as the console does) and by full name,
and profile pages of customers drawn at random across the whole copy. Prints a table of wall times, and the server's
CPU time per request (what the request costs, whatever else the machine runs); the target is a p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import psutil

from benchmarks.nightly import cdp
from privacy.analytics_copy import ANALYTICS_STORAGE_VERSION, cluster_order
from privacy.pseudonymise import is_pii_column

DEFAULT_CUSTOMERS = int(os.environ.get("CDP_BENCH_PEOPLE", "100000"))
DEFAULT_BASE_PEOPLE = 1_000
# Columns naming a customer, a source record or an event of one: suffixed in every copy but the first.
ID_COLUMNS = {"customer_id", "record_id", "record_id_l", "record_id_r", "source_record_id", "old_customer_id",
              "new_customer_id", "customer_record_id", "event_id", "order_id", "reference_id",
              "record_key"}  # fmt: skip
TARGET_P95_MS = 300
USER, PASSWORD = "bench", "benchmark password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def scale_copy(source: Path, target: Path, copies: int) -> dict[str, int]:
    """Writes `target`: the analytics copy `source` with every customer-keyed table repeated `copies` times."""
    target.unlink(missing_ok=True)
    counts = {}
    with duckdb.connect(":memory:") as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{source}' as small (read_only)")
        con.execute(f"attach '{target}' as big (storage_version '{ANALYTICS_STORAGE_VERSION}')")
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'small'"
        ).fetchall()
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'small' and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            con.execute(f'create schema if not exists big."{schema}"')
            keyed = any(name in ("customer_id", "record_id", "record_id_l") for name, _ in columns)
            if not keyed:
                con.execute(f'create table big."{schema}"."{table}" as select * from small."{schema}"."{table}"')
                continue
            items = []
            for name, data_type in columns:
                quoted = f'"{name}"'
                if name in ID_COLUMNS and data_type == "VARCHAR":
                    items.append(f"case when k = 0 then {quoted} else {quoted} || '_s' || k end as {quoted}")
                elif is_pii_column(name) and data_type == "VARCHAR":
                    items.append(f"case when k = 0 then {quoted} else sha256({quoted} || k) end as {quoted}")
                else:
                    items.append(quoted)
            order = cluster_order([name for name, _ in columns])
            con.execute(
                f'create table big."{schema}"."{table}" as select {", ".join(items)} '
                f'from small."{schema}"."{table}", range({copies}) as r(k){order}'
            )
            counts[f"{schema}.{table}"] = con.sql(f'select count(*) from big."{schema}"."{table}"').fetchall()[0][0]
    return counts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def timed(client: httpx.Client, method: str, path: str, **kwargs) -> float:
    started = time.perf_counter()
    answer = client.request(method, path, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{method} {path}: {answer.status_code}\n{answer.text[:2000]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", type=int, nargs="?", default=DEFAULT_CUSTOMERS)
    parser.add_argument("--base-people", type=int, default=DEFAULT_BASE_PEOPLE)
    parser.add_argument("--home", type=Path, help="state folder of the base run (built there once, reused after)")
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind timed")
    args = parser.parse_args()
    base = args.home or Path(tempfile.mkdtemp(prefix="bench_console_base_"))
    home = Path(tempfile.mkdtemp(prefix="bench_console_"))
    try:
        if not (base / "analytics.duckdb").exists():
            print(f"Base run: {args.base_people:,} people into {base} …", flush=True)
            cdp(str(base), args.base_people, "run")
        with duckdb.connect(str(base / "analytics.duckdb"), read_only=True) as con:
            base_customers = con.sql("select count(*) from marts.customer_360").fetchall()[0][0]
        copies = math.ceil(args.customers / base_customers)
        for kept in ("secrets", "identity", "simulator"):
            shutil.copytree(base / kept, home / kept)
        started = time.perf_counter()
        counts = scale_copy(base / "analytics.duckdb", home / "analytics.duckdb", copies)
        print(
            f"Scaled {base_customers:,} customers × {copies} = {counts['marts.customer_360']:,} customers, "
            f"{counts['marts.fct_customer_events']:,} events, "
            f"{counts['identity.match_evidence']:,} scored pairs and web ties, "
            f"{counts['marts.export_log']:,} export records in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        report(home, base, args.requests)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if args.home is None:
            shutil.rmtree(base, ignore_errors=True)


def report(home: Path, base: Path, requests: int) -> None:
    env = {**os.environ, "CDP_HOME": str(home)}
    cli = [sys.executable, "-m", "cdp_orchestration.cli", "console"]
    subprocess.run([*cli, "add-user", USER, "--role", "analyst", "--password-stdin"], input=PASSWORD + "\n",
                   env=env, check=True, capture_output=True, text=True)  # fmt: skip
    rng = random.Random(7)
    # What people type: emails and names as the sources hold them (the warehouse of the base run has them in clear).
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        people = con.sql(
            "select email, first_name || ' ' || last_name from intermediate.int_person_records "
            "where email is not null and first_name is not null and last_name is not null"
        ).fetchall()
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        customers = [c for (c,) in con.sql("select customer_id from marts.customer_360").fetchall()]
    port = free_port()
    server = subprocess.Popen([*cli, "--port", str(port)], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(300):
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = TOKEN.search(client.get("/login").text).group(1)
            client.post("/login", data={"name": USER, "password": PASSWORD, "csrf_token": token})
            token = TOKEN.search(client.get("/customers").text).group(1)
            client.get(f"/customers/{customers[0]}")  # the first request opens the copy
            picks = [rng.choice(people) for _ in range(requests)]
            batches = {
                # As people type them: upper-cased or with spaces around.
                "search by email": [
                    (
                        "POST",
                        "/customers",
                        {"data": {"q": email.upper() if i % 2 else f" {email} ", "csrf_token": token}},
                    )
                    for i, (email, _) in enumerate(picks)
                ],
                "search by name": [
                    ("POST", "/customers", {"data": {"q": name, "csrf_token": token}}) for _, name in picks
                ],
                "profile page": [("GET", f"/customers/{rng.choice(customers)}", {}) for _ in range(requests)],
            }
            samples: dict[str, tuple[list[float], float]] = {}
            serving = psutil.Process(server.pid)
            for label, batch in batches.items():
                cpu_before = sum(serving.cpu_times()[:2])
                times = [timed(client, method, path, **kwargs) for method, path, kwargs in batch]
                samples[label] = (times, (sum(serving.cpu_times()[:2]) - cpu_before) * 1000 / len(batch))
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
    load = os.getloadavg()[0]
    print(f"\nCDP console at {len(customers):,} customers, {requests} requests each, over HTTP on loopback (ms)")
    print(f"Machine: {os.cpu_count()} cores, load average {load:.1f} while measuring (other work slows wall times)")
    print(f"{'request':<18} {'median':>8} {'p95':>8} {'max':>8} {'server CPU':>11}  target p95 < {TARGET_P95_MS}")
    for label, (values, cpu) in samples.items():
        p95 = percentile(values, 0.95)
        verdict = "ok" if p95 < TARGET_P95_MS else "SLOW"
        print(f"{label:<18} {statistics.median(values):>8.1f} {p95:>8.1f} {max(values):>8.1f} {cpu:>11.1f}  {verdict}")


if __name__ == "__main__":
    main()
