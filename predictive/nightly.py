"""The nightly step: train what is due (weekly, with its backtest and gate), score every customer as of the run's
as-of time, and write `intermediate.customer_predictions` for customer_360 to join.

A prediction the gate withheld is null for every customer, with the reason beside it; the night goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from predictive import card as cards
from predictive import explain, model
from predictive.backtest import NEXT_PRODUCTS, Fitted, fit, fit_recommender
from predictive.card import Card
from predictive.features import run_as_of, snapshot
from predictive.recommend import EXCLUSIONS_FILE, Exclusions, Recommender, load_exclusions
from predictive.targets import CHURN, TARGETS, Target, matrix
from warehouse import registered, transaction

TABLE = "intermediate.customer_predictions"
TRAITS = (*(target.trait for target in TARGETS), NEXT_PRODUCTS)
RETRAIN_EVERY = timedelta(days=7)


@dataclass
class Outcome:
    as_of: datetime
    cards: list[Card]
    trained: list[str]  # predictions trained (and backtested) tonight
    values: dict[str, int]  # customers with a value, per trait
    customers: int
    seconds: dict[str, float] = field(default_factory=dict)  # training and scoring


def is_due(card: Card | None, as_of: datetime, retrain: bool = False) -> bool:
    """Train when asked, when there is no card (or one of another version), when the card is a week old, or when
    the as-of time went back before it (a model must not have seen tonight's future)."""
    return retrain or card is None or not (card.trained_at <= as_of < card.trained_at + RETRAIN_EVERY)


def predict(
    con: duckdb.DuckDBPyConnection,
    home: Path | None = None,
    retrain: bool = False,
    exclusions_file: Path = EXCLUSIONS_FILE,
) -> Outcome:
    """Train what is due into `home` (default `$CDP_HOME/predictive`), score every customer and write `TABLE`."""
    home = home or cards.default_home()
    as_of = run_as_of(con)
    exclusions = load_exclusions(exclusions_file)
    now = snapshot(con, [as_of])
    table = pd.DataFrame({"customer_id": now["customer_id"]})
    outcome = Outcome(as_of, [], [], {}, len(now), {"training": 0.0, "scoring": 0.0})

    for target in TARGETS:
        started = time.perf_counter()
        fitted, trained = _fitted(con, target, as_of, home, retrain)
        if trained:
            outcome.trained.append(target.trait)
        outcome.seconds["training"] += time.perf_counter() - started
        started = time.perf_counter()
        _score(table, now, target, fitted)
        outcome.seconds["scoring"] += time.perf_counter() - started
        outcome.cards.append(fitted.card)

    started = time.perf_counter()
    card = cards.read(home, NEXT_PRODUCTS)
    if is_due(card, as_of, retrain):
        card = fit_recommender(con, as_of, exclusions)
        cards.write(card, home)
        outcome.trained.append(NEXT_PRODUCTS)
    outcome.seconds["training"] += time.perf_counter() - started
    started = time.perf_counter()
    _recommend(table, con, as_of, exclusions, card)
    outcome.seconds["scoring"] += time.perf_counter() - started
    outcome.cards.append(card)

    _write(con, table, as_of)
    outcome.values = {c.prediction: int(table[c.prediction].notna().sum()) for c in outcome.cards}
    outcome.seconds = {k: round(v, 2) for k, v in outcome.seconds.items()}
    return outcome


def _fitted(
    con: duckdb.DuckDBPyConnection, target: Target, as_of: datetime, home: Path, retrain: bool
) -> tuple[Fitted, bool]:
    """The saved model when it is not due, else a new one (backtested and judged) saved with its card; and whether
    it was trained now."""
    card = cards.read(home, target.trait)
    saved = cards.folder(home, target.trait) / "model.joblib"
    if card is not None and not is_due(card, as_of, retrain):
        if not card.published:
            return Fitted(card, None, None), False
        if saved.exists():
            return Fitted(card, *model.load(saved)), False
    fitted = fit(con, target, as_of)
    saved.unlink(missing_ok=True)
    if fitted.estimator is not None and fitted.typical is not None:
        model.save(saved, fitted.estimator, fitted.typical)
    cards.write(fitted.card, home)
    return fitted, True


def _score(table: pd.DataFrame, now: pd.DataFrame, target: Target, fitted: Fitted) -> None:
    """The trait and why it is null, for every customer: out of its population, or withheld by the gate."""
    scored = (now["order_count"] >= target.min_orders).to_numpy()
    values = np.full(len(now), np.nan)
    reasons = np.where(scored, None, target.outside).astype(object)
    top: list[list[str] | None] = [None] * len(now)
    if fitted.estimator is None:
        reasons[scored] = f"withheld: {fitted.card.withheld_reason}"
    elif scored.any():
        x = matrix(now[scored])
        values[scored] = model.predict(fitted.estimator, x)
        if target == CHURN:
            found = explain.reasons(lambda m: model.predict(fitted.estimator, m), x, fitted.typical)
            for i, why in zip(np.flatnonzero(scored), found, strict=True):
                top[i] = why
    table[target.trait] = values
    table[f"{target.trait}_null_reason"] = reasons
    if target == CHURN:
        table["churn_top_reasons"] = top


def _recommend(
    table: pd.DataFrame, con: duckdb.DuckDBPyConnection, as_of: datetime, exclusions: Exclusions, card: Card
) -> None:
    customers = table["customer_id"].tolist()
    if not card.published:
        table[NEXT_PRODUCTS] = None
        table[f"{NEXT_PRODUCTS}_null_reason"] = f"withheld: {card.withheld_reason}"
        return
    # The shop's side as of the card's night, the customers' purchases as of tonight: picks move with purchases and
    # retrains, not with each night's popularity (recommend.py).
    recommender = Recommender(con, card.trained_at, exclusions, bought_until=as_of)
    picks = [[recommender.name(p) for p in ids] or None for ids in recommender.recommend(customers)]
    table[NEXT_PRODUCTS] = picks
    table[f"{NEXT_PRODUCTS}_null_reason"] = [None if p else "nothing left to recommend" for p in picks]


def _write(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, as_of: datetime) -> None:
    """Replace `TABLE` in one transaction, with explicit types (the dbt source and customer_360's contract)."""
    with registered(con, predictions=table), transaction(con):
        con.execute("create schema if not exists intermediate")
        con.execute(
            f"""
            create or replace table {TABLE} as
            select
                cast(customer_id as varchar) as customer_id,
                cast(churn_probability as double) as churn_probability,
                cast(churn_top_reasons as varchar[]) as churn_top_reasons,
                cast(churn_probability_null_reason as varchar) as churn_probability_null_reason,
                cast(purchase_propensity_30d as double) as purchase_propensity_30d,
                cast(purchase_propensity_30d_null_reason as varchar) as purchase_propensity_30d_null_reason,
                cast(predicted_value_120d as double) as predicted_value_120d,
                cast(predicted_value_120d_null_reason as varchar) as predicted_value_120d_null_reason,
                cast(next_products as varchar[]) as next_products,
                cast(next_products_null_reason as varchar) as next_products_null_reason,
                cast(? as timestamptz) as predicted_as_of
            from predictions
            order by customer_id
            """,
            [as_of],
        )
