"""Training with proof: each prediction is backtested on a past cut-off of the warehouse's own history, compared with
the rule it replaces, judged by the gate, and only then trained on the latest closed windows for tonight's scores."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from predictive import baselines, explain, metrics, model, splits
from predictive.card import Card
from predictive.features import FEATURES, outcomes, snapshot
from predictive.gate import judge
from predictive.metrics import Gain
from predictive.recommend import TOP_N, Exclusions, Recommender, new_products
from predictive.targets import CHURN, Target, examples, matrix

NEXT_PRODUCTS = "next_products"
NEXT_PRODUCTS_HORIZON_DAYS = 90


@dataclass
class Fitted:
    card: Card
    estimator: model.Estimator | None  # None when withheld
    typical: np.ndarray | None  # the typical customer of its training set, for the reasons


def fit(con: duckdb.DuckDBPyConnection, target: Target, as_of: datetime) -> Fitted:
    """Backtest `target` at `as_of - horizon`, judge it, and when it passes train it on the windows closed by now."""
    started = time.perf_counter()
    split = splits.backtest(as_of, target.horizon_days)
    latest = splits.training_cutoffs(as_of, target.horizon_days)
    cutoffs = sorted({*split.train, split.test, *latest})
    found = examples(snapshot(con, cutoffs), outcomes(con, cutoffs, target.horizon_days), target)
    train, test = found[found["cutoff"].isin(split.train)], found[found["cutoff"] == split.test]
    final = found[found["cutoff"].isin(latest)]
    classes = _classes(target, train, final)

    if len(test) and target.learnable(train["y"]) and target.learnable(final["y"]):
        scores = model.predict(model.train(target, matrix(train), train["y"].to_numpy()), matrix(test))
        gains, backtest_metrics, baseline_metrics = _compare(target, test, scores, train)
    else:
        gains, backtest_metrics, baseline_metrics = [], {}, {}
    verdict = judge(classes, gains)

    estimator = typical = None
    if verdict.published:
        x = matrix(final)
        estimator = model.train(target, x, final["y"].to_numpy())
        typical = explain.reference(x)
    card = Card(
        prediction=target.trait,
        title=target.title,
        population=target.population,
        horizon_days=target.horizon_days,
        trained_as_of=as_of.isoformat(),
        published=verdict.published,
        withheld_reason=verdict.reason,
        baseline=_baseline_name(target),
        comparison={gain.metric + " against " + name: gain.as_dict() for gain, name in gains},
        backtest=backtest_metrics,
        baseline_metrics=baseline_metrics,
        data={
            "history_from": _first(found),
            "backtest_cutoff": split.test.isoformat(),
            "backtest_outcomes_until": as_of.isoformat(),
            "backtest_training_cutoffs": [c.isoformat() for c in split.train],
            "training_cutoffs": [c.isoformat() for c in latest],
            "backtest_training_examples": len(train),
            "backtest_examples": len(test),
            "training_examples": len(final),
            "classes": classes,
            "seconds": round(time.perf_counter() - started, 2),
        },
        model={**model.describe(target), "features": list(FEATURES)},
    )
    return Fitted(card, estimator, typical)


def _baseline_name(target: Target) -> str:
    if target.is_classifier:
        return "the at_risk segment" if target == CHURN else "the recent buyers (lifecycle stage new or active)"
    return "the spend of the last 120 days, and the average customer"


def _compare(
    target: Target, test: pd.DataFrame, scores: np.ndarray, train: pd.DataFrame
) -> tuple[list[tuple[Gain, str]], dict, dict]:
    """The gate's comparisons, the model's backtest metrics and the baseline's."""
    y = test["y"].to_numpy(dtype=float)
    if target.is_classifier:
        member = baselines.at_risk(test) if target == CHURN else baselines.recent_buyers(test)
        gain = metrics.precision_at_baseline_size(y, scores, member)
        baseline = {"customers": int(member.sum()), "precision": round(gain.baseline, 4)}
        found = metrics.classification(y, scores)
        found["precision_at_baseline_size"] = round(gain.model, 4)
        return [(gain, _baseline_name(target))], found, baseline
    naive = test["spend_120d"].to_numpy(dtype=float)
    average = np.full(len(y), float(train["y"].mean()))
    gains = [
        (metrics.squared_error_against(y, scores, naive, "rmse"), "the spend of the last 120 days"),
        (metrics.squared_error_against(y, scores, average, "rmse"), "the average customer"),
    ]
    baseline = {"naive_last_120_days": metrics.regression(y, naive), "average_customer": metrics.regression(y, average)}
    return gains, metrics.regression(y, scores), baseline


def _classes(target: Target, train: pd.DataFrame, final: pd.DataFrame) -> dict[str, int]:
    """Examples of each outcome in the smaller of the two training sets (the backtest's and tonight's)."""
    if not target.is_classifier:
        return {"customers": int(min(len(train), len(final)))}
    counts = {}
    for name, value in ((target.positive, 1), (target.negative, 0)):
        counts[name] = int(min((train["y"] == value).sum(), (final["y"] == value).sum()))
    return counts


def _first(found: pd.DataFrame) -> str | None:
    """The earliest order any example's history holds."""
    if found.empty or found["first_order_days"].isna().all():
        return None
    oldest = found.loc[found["first_order_days"].idxmax()]
    return (oldest["cutoff"] - timedelta(days=float(oldest["first_order_days"]))).date().isoformat()


def fit_recommender(con: duckdb.DuckDBPyConnection, as_of: datetime, exclusions: Exclusions) -> Card:
    """Backtest the next products: recommend as of `as_of - 90 days` to every customer who had bought by then, and
    count those who bought one of their five in the 90 days after, against the five most popular products."""
    started = time.perf_counter()
    cutoff = as_of - timedelta(days=NEXT_PRODUCTS_HORIZON_DAYS)
    recommender = Recommender(con, cutoff, exclusions)
    bought_after = new_products(con, cutoff, as_of)
    customers = sorted(set(recommender.lines["customer_id"]) & set(bought_after))
    ours = recommender.recommend(customers)
    popular = recommender.recommend(customers, popular_only=True)
    model_hits = np.array([bool(set(r) & bought_after[c]) for c, r in zip(customers, ours, strict=True)])
    popular_hits = np.array([bool(set(r) & bought_after[c]) for c, r in zip(customers, popular, strict=True)])
    gain = metrics.hit_rate_against(model_hits, popular_hits)
    verdict = judge({"customers who bought a product new to them": len(customers)}, [(gain, "popularity alone")])
    return Card(
        prediction=NEXT_PRODUCTS,
        title=f"Next products: up to {TOP_N} products the customer has not bought yet",
        population="every customer (those without orders get the most popular products)",
        horizon_days=NEXT_PRODUCTS_HORIZON_DAYS,
        trained_as_of=as_of.isoformat(),
        published=verdict.published,
        withheld_reason=verdict.reason,
        baseline="popularity alone",
        comparison={"hit_rate_at_5 against popularity alone": gain.as_dict()},
        backtest={"examples": len(customers), "hit_rate_at_5": round(gain.model, 4)},
        baseline_metrics={"hit_rate_at_5": round(gain.baseline, 4)},
        data={
            "backtest_cutoff": cutoff.isoformat(),
            "backtest_outcomes_until": as_of.isoformat(),
            "products": len(recommender.catalog),
            "products_excluded": int((~recommender.allowed).sum()),
            "backtest_examples": len(customers),
            "classes": {"customers who bought a product new to them": len(customers)},
            "seconds": round(time.perf_counter() - started, 2),
        },
        model={
            "method": "category mix × popularity within category, plus what sells with what they own",
            "kept": "the shop's popularity and pairs as of this card's date until the next retrain; each customer's "
            "purchases as of each night",
            "exclusions": "predictive/exclusions.yml",
        },
    )
