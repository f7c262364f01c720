"""Does marts.campaign_results find the effects the simulator gives the campaigns? Coverage over seeds.

    .venv/bin/python -m benchmarks.campaigns [--people N] [--seeds S ...]   (default: 1000 people, seeds 1-5)

Each seed (`campaign_nights`): a first night (segments assigned and sent), the simulator's clock 15 days on (the
emailed members buy with the extra probability of simulator/campaigns.py), a second night that loads those orders and
computes the results (only the assets the results read). For each campaign with a holdout, the orders-per-member
uplift over all weeks, its 95 % interval and whether the interval covers the true uplift (`true_uplift`: the extra
orders the simulator's emails brought the treated members beyond the held-out ones, by the simulated Mailchimp's own
store; for a campaign without effect of its own, zero but for the other campaigns' emails).
tests/exports/test_holdouts.py runs the same nights on two seeds besides its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import duckdb

from activation.campaign_results import write_results
from activation.segment_history import run_as_of
from simulator.campaigns import DEFAULT_EFFECTS

DAYS_LATER = 15
# The second night (`cdp run --select`): the results and what they read, with everything that is built from (the
# loads, identity, the orders, the run's as-of time), but not the segments and exports the results do not count.
RESULTS_AND_ORDERS = '+key:"marts/fct_orders" or +key:"intermediate/int_run_as_of" or key:"marts/campaign_results"'


def true_uplift(
    home: Path, con: duckdb.DuckDBPyConnection, segment: str, effects: dict[str, float], day: int = 0
) -> float:
    """The extra orders per member the simulator's emails brought the treated members of `segment` in Mailchimp beyond
    its held-out members: for each member, the `effects` of every campaign whose email the simulated tool sent them on
    simulated `day` (its own store), averaged over each group. With no other campaign's email this is the segment's
    own effect times the share of its treated members emailed; but the global control group gets no email at all, so
    a segment's treated members also show the effects of the other campaigns they got (a campaign without effect of
    its own then has an uplift that is not zero)."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        sent = db.execute("select distinct email, tag from tag_sends where day = ?", [day]).fetchall()
    extra: dict[str, float] = defaultdict(float)
    for email, tag in sent:
        extra[email] += effects.get(tag, 0.0)
    groups: dict[bool, list[float]] = {False: [], True: []}
    for email, held in con.execute(
        """select lower(trim(c.email)), m.held_by is not null from exports.campaign_members as m
           join marts.customer_360 as c on c.customer_id = m.customer_id
           where m.destination = 'mailchimp' and m.segment = ?""",
        [segment],
    ).fetchall():
        groups[held].append(extra.get(email, 0.0))
    treated, held_out = (sum(values) / len(values) if values else 0.0 for values in (groups[False], groups[True]))
    return treated - held_out


def campaign_nights(home: Path, settings: dict[str, str]) -> None:
    """A first night into `home` (CDP settings `settings`), the simulator's clock `DAYS_LATER` days on, and a second
    night of the assets marts.campaign_results reads: the orders (loaded, tied to customers, fct_orders) and the results
    themselves. The results count the stays whose window closed: those the first night entered and sent. A whole
    second night would also add to them the members it could send to only then (consent given since: emailed too late
    for the effect, they dilute the measured and the true uplift alike); the simulated campaigns' rows came out the
    same either way on a seed tried."""
    env = {**os.environ, **settings, "CDP_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    for args in (["run"], ["advance-day", str(DAYS_LATER)], ["run", "--select", RESULTS_AND_ORDERS]):
        command = [sys.executable, "-m", "cdp_orchestration.cli", *args]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            raise RuntimeError(
                f"cdp {' '.join(args)} into {home} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )


def measure(people: int, seed: int) -> list[tuple]:
    home = Path(tempfile.mkdtemp(prefix=f"bench_campaigns_{people}_{seed}_"))
    campaign_nights(home, {"CDP_PEOPLE": str(people), "CDP_SEED": str(seed)})
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
                rows.append((seed, segment, effect, true_uplift(home, con, segment, DEFAULT_EFFECTS), *found))
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
