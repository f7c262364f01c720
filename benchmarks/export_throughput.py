"""Export throughput: a 100,000-member segment sent to the simulator's Mailchimp, as records per second.

    .venv/bin/python -m benchmarks.export_throughput [--members 100000]

Synthesises the desired state directly (customer_360 and segment_membership in a fresh warehouse) so it measures
the export path alone: planning in SQL, batch upserts of 500 members, per-batch state commits. Then measures a
re-sync that has nothing to send, and the removal of 10 % of the segment (one tag call per member).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from activation.config import Destination  # noqa: E402
from activation.sync import sync_destination  # noqa: E402
from dlt_sources.connections import Connection  # noqa: E402
from simulator import running_simulator  # noqa: E402

SEGMENT = "bench_vip"


def synthesise(con: duckdb.DuckDBPyConnection, members: int) -> None:
    """A customer_360 with the columns the export reads, and every customer in one segment."""
    con.execute(f"""
        create schema marts;
        create table marts.customer_360 as
        select 'cus_' || lpad(i::varchar, 10, '0') as customer_id,
               'First' || i as first_name, 'Last' || i as last_name,
               'person' || i || '@example.com' as email, '+62812' || lpad(i::varchar, 7, '0') as phone,
               'ID' as country, '1990-' || lpad((1 + i % 12)::varchar, 2, '0') || '-15' as date_of_birth,
               true as email_consent
        from range({members}) t(i);
        create table marts.segment_membership as
        select '{SEGMENT}' as segment, customer_id, timestamptz '2026-06-01 02:00:00+00' as entered_at
        from marts.customer_360;
    """)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=int(os.environ.get("CDP_BENCH_PEOPLE", 100_000)))
    members = parser.parse_args().members
    destination = Destination(
        name="bench_mailchimp",
        kind="mailchimp",
        segments=(SEGMENT,),
        consent="email_consent",
        fields={
            "FNAME": "c.first_name",
            "LNAME": "c.last_name",
            "BIRTHDAY": "strftime(c.date_of_birth::date, '%m/%d')",
        },
        options={
            "list_name": "Benchmark",
            "list_contact": {"company": "CDP", "address1": "x", "city": "x", "state": "x", "zip": "1", "country": "ID"},
            "permission_reminder": "benchmark",
            "from_email": "bench@example.com",
        },
    )
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="cdp-bench-export-") as folder:
        home = Path(folder)
        os.environ["CDP_HOME"] = str(home)
        with running_simulator(home=home, people=50, seed=1, faults=0.0) as url:
            connection = Connection("mailchimp", f"{url}/3.0", "bench-key", simulated=True)
            with duckdb.connect(str(home / "warehouse.duckdb")) as con:
                synthesise(con, members)
                for label in ("first sync (adds)", "re-sync (nothing to send)"):
                    started = time.perf_counter()
                    result = sync_destination(con, destination, "bench", connection)
                    rows.append((label, result.rows_sent, time.perf_counter() - started))
                con.execute("delete from marts.segment_membership where hash(customer_id) % 10 = 0")
                started = time.perf_counter()
                result = sync_destination(con, destination, "bench", connection)
                rows.append(("10 % leave the segment (tag removals)", result.rows_sent, time.perf_counter() - started))
    print(f"\nExport throughput to the simulator's Mailchimp, {members:,} members in one segment")
    print(f"{'sync':<40} {'records sent':>14} {'seconds':>9} {'records/s':>11}")
    for label, sent, seconds in rows:
        rate = f"{sent / seconds:,.0f}" if sent else "-"
        print(f"{label:<40} {sent:>14,} {seconds:>9.1f} {rate:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
