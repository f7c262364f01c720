"""Does marts.campaign_results find the effects the simulator gives the campaigns? Coverage over seeds.

    .venv/bin/python -m benchmarks.campaigns [--people N] [--seeds S ...]   (default: 1000 people, seeds 1-5)

Each seed: a first night (segments assigned and sent), the simulator's clock 15 days on (the emailed members buy
with the extra probability of simulator/campaigns.py), a second night that loads those orders and computes the
results. For each campaign with a holdout, the orders-per-member uplift over all weeks, its 95 % interval and whether
the interval covers the true uplift: the simulator's extra probability times the share of treated members the
simulated Mailchimp actually emailed (its own store). A campaign without effect should cover zero.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from activation.campaign_results import write_results
from activation.segment_history import run_as_of
from simulator.campaigns import DEFAULT_EFFECTS

DAYS_LATER = 15


def true_uplift(home: Path, con: duckdb.DuckDBPyConnection, segment: str, effect: float, day: int = 0) -> float:
    """The extra orders per treated member the simulator brought: `effect` times the share of the treated members of
    `segment` in Mailchimp whom its automation emailed on simulated `day` (the simulated tool's own store)."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        sent = db.execute("select email from tag_sends where tag = ? and day = ?", [segment, day]).fetchall()
    emailed = {email for (email,) in sent}
    treated = [
        email
        for (email,) in con.execute(
            """select lower(trim(c.email)) from exports.campaign_members as m
               join marts.customer_360 as c on c.customer_id = m.customer_id
               where m.destination = 'mailchimp' and m.segment = ? and m.held_by is null""",
            [segment],
        ).fetchall()
    ]
    return effect * sum(email in emailed for email in treated) / len(treated) if treated else 0.0


def cdp(home: Path, people: int, seed: int, *args: str) -> None:
    env = {**os.environ, "CDP_HOME": str(home), "CDP_PEOPLE": str(people), "CDP_SEED": str(seed)}
    env.pop("DAGSTER_HOME", None)
    command = [sys.executable, "-m", "cdp_orchestration.cli", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"cdp {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def measure(people: int, seed: int) -> list[tuple]:
    home = Path(tempfile.mkdtemp(prefix=f"bench_campaigns_{people}_{seed}_"))
    cdp(home, people, seed, "run")
    cdp(home, people, seed, "advance-day", str(DAYS_LATER))
    cdp(home, people, seed, "run")
    rows = read_results(home, seed)
    shutil.rmtree(home)
    return rows


def read_results(home: Path, seed: int, recompute: bool = False) -> list[tuple]:
    """The mailchimp rows over all weeks of each campaign with a simulated effect, with the true uplift; with
    `recompute`, marts.campaign_results is first computed again by the current code (on the home's last as-of)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=not recompute) as con:
        if recompute:
            write_results(con, run_as_of(con))
        rows = []
        for segment, effect in DEFAULT_EFFECTS.items():
            found = con.execute(
                """select treated, held_out, orders_uplift, orders_uplift_low, orders_uplift_high,
                          absolute_uplift_low, absolute_uplift_high, sample_ratio_mismatch
                   from marts.campaign_results where destination = 'mailchimp' and period = 'all' and segment = ?""",
                [segment],
            ).fetchone()
            if found:
                rows.append((seed, segment, effect, true_uplift(home, con, segment, effect), *found))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    parser.add_argument(
        "--homes", type=Path, nargs="*", help="state folders a run of this benchmark built: results computed again"
    )
    args = parser.parse_args()
    if args.homes:
        rows = [row for seed, home in enumerate(args.homes, 1) for row in read_results(home, seed, recompute=True)]
    else:
        rows = [row for seed in args.seeds for row in measure(args.people, seed)]
    print(f"\nCampaign uplift against the simulator's effects ({args.people:,} people; orders per member, mailchimp)")
    print(
        f"{'seed':>4} {'segment':<22} {'treated':>7} {'held':>5} {'true':>6} {'measured':>8} {'95% interval':>18} "
        "covers srm"
    )
    coverage: dict[str, list[bool]] = {}
    for seed, segment, _, truth, treated, held, uplift, low, high, *_, mismatch in rows:
        covered = None if low is None else low <= truth <= high
        if covered is not None:
            coverage.setdefault(segment, []).append(covered)
        interval = f"[{low:+.3f}, {high:+.3f}]" if low is not None else "(none held out)"
        measured = f"{uplift:+.3f}" if uplift is not None else "-"
        verdict = "-" if covered is None else "yes" if covered else "NO"
        print(f"{seed:>4} {segment:<22} {treated:>7} {held:>5} {truth:>6.3f} {measured:>8} {interval:>18} "
              f"{verdict:>6} {'!' if mismatch else ''}")  # fmt: skip
    for segment, covered in coverage.items():
        print(f"{segment}: the interval covers the true effect in {sum(covered)} of the {len(covered)} seeds with one")


if __name__ == "__main__":
    main()
