"""Wall time and peak memory of `cdp forget` on a populated warehouse, and proof that the person's bytes are gone.

    .venv/bin/python -m benchmarks.forget_time [PEOPLE] [--home PATH]     (default: 20000 people, a temporary folder)

Builds a PEOPLE-person warehouse with the nightly job against the simulator, or reuses the one a previous run left
in `--home PATH` (building 100,000 people takes about 20 minutes on one core, forgetting one takes minutes: `make
bench` runs 20,000; the 100,000 figure is `python -m benchmarks.forget_time 100000 --home /tmp/forget-bench/100k`).
Then, on a copy so the built warehouse stays reusable, it forgets the customer with records in the most sources and
a Mailchimp membership, running `cdp forget` as a user does, and prints its wall time, the peak RSS of that process,
the size of the warehouse and analytics files before and after, and the wall time per phase forget reports. It
fails when the person's email, phone or Mailchimp member id (md5 of the email) is still in either file's bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.nightly import built_home

DEFAULT_PEOPLE = 20_000
FILES = ("warehouse.duckdb", "analytics.duckdb")
PHASE_LINE = re.compile(r"^\s+took\s+([\d.]+) s\s+(.+)$")
CHUNK = 64 << 20


def candidates(warehouse: Path, limit: int = 10) -> list[tuple[str, str, str, int, int]]:
    """(customer ID, email, phone, sources, records) of the customers with records in the most sources and a
    Mailchimp membership: the most places to erase, and a removal the destination is owed."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            select c.customer_id, c.email, c.phone, count(distinct m.source_system), count(distinct m.record_id)
            from marts.customer_360 as c
            join marts.customer_id_map as m using (customer_id)
            where c.email is not null and c.phone is not null
              and c.customer_id in (select customer_id from exports.mailchimp_state)
            group by all
            order by 4 desc, 5 desc, 1
            limit ?
            """,
            [limit],
        ).fetchall()


def needles_of(email: str, phone: str) -> list[bytes]:
    """The email, the Mailchimp member id (md5 of the email) and the phone, as bytes searched lower-cased."""
    member_id = hashlib.md5(email.strip().lower().encode()).hexdigest()
    return [email.lower().encode(), member_id.encode(), phone.lower().encode()]


def run_forget(home: Path, people: int, customer_id: str) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes and output of `cdp forget --customer-id` on `home`."""
    env = {**os.environ, "CDP_HOME": str(home), "CDP_PEOPLE": str(people)}
    command = [str(Path(sys.executable).with_name("cdp")), "forget", "--customer-id", customer_id]
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen([*command, "--requested-by", "benchmark"], env=env, stdout=output, stderr=output)
        # wait4 gives this child's own peak RSS (with its children's), not that of the build run before it.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if child.returncode != 0:
        raise SystemExit(f"cdp forget failed:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss * 1024, text


def holds(path: Path, needles: list[bytes]) -> list[bytes]:
    """The needles found in the lower-cased bytes of `path`, read in chunks that overlap by the longest needle."""
    found: set[bytes] = set()
    overlap = max(map(len, needles)) - 1
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            window = tail + chunk.lower()
            found |= {n for n in needles if n in window}
            tail = window[-overlap:]
    return sorted(found)


def sizes(home: Path) -> dict[str, int]:
    return {name: (home / name).stat().st_size for name in FILES if (home / name).exists()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--home", type=Path, help="state folder to build into, or to reuse when it has a warehouse")
    args = parser.parse_args()
    home = built_home(args.people, args.home, "bench_forget")
    # DuckDB compresses most strings, so a byte scan proves something only for identifiers it can see before: the
    # customer forgotten is the first candidate whose identifiers are visible in the file.
    ranked = candidates(home / "warehouse.duckdb")
    visible = holds(home / "warehouse.duckdb", [n for c in ranked for n in needles_of(c[1], c[2])])
    customer_id, email, phone, sources, records = next(
        (c for c in ranked if set(needles_of(c[1], c[2])) & set(visible)), ranked[0]
    )
    needles = needles_of(email, phone)
    scratch = Path(tempfile.mkdtemp(prefix="bench_forget_copy_", dir=home.parent))
    try:
        copy = scratch / "home"
        shutil.copytree(home, copy)
        before = sizes(copy)
        print(f"forgetting {customer_id} ({records} records in {sources} sources) in a copy, {copy}…", flush=True)
        seconds, peak, output = run_forget(copy, args.people, customer_id)
        after = sizes(copy)
        left = {name: holds(copy / name, needles) for name in after}
    finally:
        shutil.rmtree(scratch)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (customers,) = con.sql("select count(*) from marts.customer_360").fetchall()[0]
    if args.home is None:
        shutil.rmtree(home)  # built for this run only: keep one with --home
    phases = [(m.group(2), float(m.group(1))) for m in map(PHASE_LINE.match, output.splitlines()) if m]
    print(f"\n`cdp forget` on {args.people:,} people ({customers:,} customers)")
    print(f"  {'wall time':<44} {seconds:>10.1f} s")
    print(f"  {'peak RSS':<44} {peak / 2**20:>10,.0f} MB")
    for name in after:
        print(f"  {name + ' before → after':<44} {before[name] / 2**20:>7,.0f} → {after[name] / 2**20:,.0f} MB")
    for phase, phase_seconds in phases:
        print(f"  {'  ' + phase:<44} {phase_seconds:>10.1f} s")
    seen = ", ".join(n.decode() for n in needles if n in visible) or "none: the check below proves nothing"
    print(f"  {'visible in the warehouse bytes before':<44} {seen}")
    found = {name: [n.decode() for n in hits] for name, hits in left.items() if hits}
    print(f"  {'email, member id, phone in the files after':<44} {found or 'none'}")
    if found:
        raise SystemExit("the forgotten person's identifiers are still in the files' bytes")


if __name__ == "__main__":
    main()
