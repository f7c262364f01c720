"""The predictions at scale: each model card's backtest figures, training and scoring time, and the churn scores
against what the simulated customers did in the 90 days after the as-of time (the simulator's own future).

    .venv/bin/python -m benchmarks.predictive [PEOPLE] [--home PATH]     (default: CDP_BENCH_PEOPLE or 100,000)

Builds a PEOPLE-person warehouse with the nightly job (about half an hour at 100,000 on 2 cores), or reuses the one a
previous run left in `--home PATH`. Then, on a copy of its warehouse, it trains every prediction afresh (backtest and
gate, as a weekly night does), scores again without training (as every other night does), and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from sklearn.metrics import roc_auc_score

from benchmarks.nightly import built_home
from predictive import Card, predict
from simulator.state import SimState
from simulator.truth import buyers_in_days_ahead

CHURN_DAYS = 90


def churn_against_the_future(con: duckdb.DuckDBPyConnection, state: SimState) -> dict[str, float]:
    """ROC AUC of tonight's churn scores on who did not order in the next 90 days, and the precision of the model's
    top customers against the at_risk segment's at its size."""
    records = buyers_in_days_ahead(state, CHURN_DAYS)
    customer_of = dict(
        ((system, record), customer)
        for system, record, customer in con.sql(
            "select source_system, source_record_id, customer_id from marts.customer_id_map"
        ).fetchall()
    )
    bought = {customer_of[r] for r in records if r in customer_of}
    rows = con.sql(
        """select p.customer_id, p.churn_probability, c.lifecycle_stage = 'at_risk'
           from intermediate.customer_predictions as p join marts.customer_360 as c using (customer_id)
           where p.churn_probability is not null"""
    ).fetchall()
    if not rows:
        return {}
    churned = np.array([c not in bought for c, _, _ in rows])
    score, at_risk = np.array([p for _, p, _ in rows]), np.array([r for _, _, r in rows])
    top = np.argsort(-score, kind="stable")[: at_risk.sum()]
    return {
        "customers": len(rows),
        "churned": float(churned.mean()),
        "roc_auc": float(roc_auc_score(churned, score)),
        "at_risk_precision": float(churned[at_risk].mean()),
        "model_precision": float(churned[top].mean()),
        "at_risk_size": int(at_risk.sum()),
    }


def figures(card: Card) -> str:
    """The card's backtest in one line."""
    b = card.backtest
    if "roc_auc" in b:
        return (
            f"ROC AUC {b['roc_auc']}, PR AUC {b['pr_auc']}, top-decile lift {b['top_decile_lift']}, "
            f"Brier {b['brier']}, base rate {b['base_rate']}"
        )
    if "rmse" in b:
        naive, average = card.baseline_metrics["naive_last_120_days"], card.baseline_metrics["average_customer"]
        return (
            f"MAE {b['mae']} / RMSE {b['rmse']}; same as last 120 days {naive['mae']} / {naive['rmse']}; "
            f"average customer {average['mae']} / {average['rmse']}"
        )
    return f"hit rate at 5 {b.get('hit_rate_at_5')}, popularity alone {card.baseline_metrics.get('hit_rate_at_5')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=int(os.environ.get("CDP_BENCH_PEOPLE", "100000")))
    parser.add_argument("--home", type=Path, help="state folder to build into, or to reuse when it has a warehouse")
    args = parser.parse_args()
    home = built_home(args.people, args.home, "bench_predictive")
    state = SimState(**json.loads((home / "simulator" / "state.json").read_text()))
    scratch = Path(tempfile.mkdtemp(prefix="bench_predictive_copy_", dir=home.parent))
    try:
        shutil.copy(home / "warehouse.duckdb", scratch / "warehouse.duckdb")
        with duckdb.connect(str(scratch / "warehouse.duckdb")) as con:
            started = time.perf_counter()
            weekly = predict(con, scratch / "predictive", retrain=True)
            weekly_seconds = time.perf_counter() - started
            started = time.perf_counter()
            nightly = predict(con, scratch / "predictive")
            nightly_seconds = time.perf_counter() - started
            future = churn_against_the_future(con, state)
    finally:
        shutil.rmtree(scratch)
    if args.home is None:
        shutil.rmtree(home)  # built for this run only: keep one with --home

    print(f"\nPredictions on {state.people:,} people ({weekly.customers:,} customers), as of {weekly.as_of:%Y-%m-%d}")
    print(f"  {'night that trains (backtest, gate, training, scoring)':<58} {weekly_seconds:>8.1f} s")
    print(f"  {'  of which training and backtests':<58} {weekly.seconds['training']:>8.1f} s")
    print(f"  {'  of which scoring':<58} {weekly.seconds['scoring']:>8.1f} s")
    print(f"  {'night that only scores (models not due)':<58} {nightly_seconds:>8.1f} s")
    print(f"  {'  of which scoring':<58} {nightly.seconds['scoring']:>8.1f} s")
    print()
    print(f"  {'prediction':<26} {'published':<10} {'examples':>9}  {'train s':>7}  backtest")
    for card in weekly.cards:
        examples = card.data.get("backtest_examples", 0)
        state_text = "yes" if card.published else "no"
        print(f"  {card.prediction:<26} {state_text:<10} {examples:>9,}  {card.data['seconds']:>7.1f}  {figures(card)}")
        for name, gain in card.comparison.items():
            low, high = gain["interval"]
            print(f"  {'':<49} {name}: {gain['model']} vs {gain['baseline']} (gain {gain['gain']}, {low}…{high})")
        if not card.published:
            print(f"  {'':<49} withheld: {card.withheld_reason}")
    if future:
        print(
            f"\n  churn against the simulator's next {CHURN_DAYS} days: {future['customers']:,} customers, "
            f"{future['churned']:.1%} churned; ROC AUC {future['roc_auc']:.3f}; precision at the at_risk segment's "
            f"size ({future['at_risk_size']:,}): model {future['model_precision']:.3f}, at_risk "
            f"{future['at_risk_precision']:.3f}"
        )


if __name__ == "__main__":
    main()
