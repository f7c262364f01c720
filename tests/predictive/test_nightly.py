"""The predictions of the session's night, judged by what the simulated customers did next and by the model cards.

The simulator's world 90 days on (the same seed and population) holds the orders its customers place after the
as-of time: the truth the churn scores are measured against here, which the pipeline never saw.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from cdp_orchestration.predictive.checks import only_proven_predictions_published
from cdp_orchestration.resources import WarehouseResource
from predictive import TRAITS, is_due, predict, read_all
from simulator.state import SimState
from simulator.truth import buyers_in_days_ahead
from tests.conftest import SESSION_PEOPLE, SESSION_SEED

CHURN_DAYS = 90


def buyers_in_the_next_days(con: duckdb.DuckDBPyConnection, days: int) -> set[str]:
    """Customers (as resolved) whose records order in the `days` after the as-of time, in the simulator's future."""
    records = buyers_in_days_ahead(SimState(seed=int(SESSION_SEED), people=int(SESSION_PEOPLE), day=0), days)
    customer_of = {
        (system, record): customer
        for system, record, customer in con.sql(
            "select source_system, source_record_id, customer_id from marts.customer_id_map"
        ).fetchall()
    }
    return {customer_of[r] for r in records if r in customer_of}


def test_the_churn_model_beats_the_at_risk_segment_on_what_customers_did_next(built_warehouse) -> None:
    rows = built_warehouse.sql(
        """select customer_id, churn_probability, lifecycle_stage = 'at_risk'
           from marts.customer_360 where churn_probability is not null order by customer_id"""
    ).fetchall()
    assert rows, "the churn prediction is withheld on the session's population"
    bought = buyers_in_the_next_days(built_warehouse, CHURN_DAYS)
    churned = np.array([customer not in bought for customer, _, _ in rows])
    score = np.array([p for _, p, _ in rows])
    at_risk = np.array([member for _, _, member in rows])
    auc = roc_auc_score(churned, score)
    top = np.argsort(-score, kind="stable")[: at_risk.sum()]
    print(
        f"\nchurn in the {CHURN_DAYS} days after the as-of time, {len(rows)} customers ({churned.mean():.0%} churned): "
        f"ROC AUC {auc:.3f}; precision of the at_risk segment ({at_risk.sum()}) {churned[at_risk].mean():.3f}, "
        f"of the model's top {at_risk.sum()} {churned[top].mean():.3f}"
    )
    assert auc > 0.7
    assert churned[top].mean() > churned[at_risk].mean()


def test_every_trait_has_a_value_or_the_reason_it_has_none(built_warehouse, cdp_home: Path) -> None:
    cards = {card.prediction: card for card in read_all(cdp_home / "predictive")}
    assert set(cards) == set(TRAITS)
    for trait in TRAITS:
        both, neither, withheld = built_warehouse.sql(
            f"""select count(*) filter (where {trait} is not null and {trait}_null_reason is not null),
                       count(*) filter (where {trait} is null and {trait}_null_reason is null),
                       count(*) filter (where {trait}_null_reason like 'withheld:%')
                from marts.customer_360"""
        ).fetchall()[0]
        assert (both, neither) == (0, 0), trait
        assert (withheld > 0) == (not cards[trait].published), trait
    no_order = built_warehouse.sql(
        "select distinct churn_probability_null_reason from marts.customer_360 where order_count = 0"
    ).fetchall()
    assert no_order == [("no order yet",)]


def test_the_model_card_says_what_it_learnt_from_and_how_it_did(cdp_home: Path) -> None:
    card = json.loads((cdp_home / "predictive" / "churn_probability" / "card.json").read_text())
    assert card["published"] and card["trained_as_of"].startswith("2026-06-01")
    assert card["baseline"] == "the at_risk segment"
    for metric in ("roc_auc", "pr_auc", "top_decile_lift", "brier", "precision_at_baseline_size"):
        assert isinstance(card["backtest"][metric], float), metric
    assert len(card["backtest"]["calibration"]) == 10
    assert min(card["data"]["classes"].values()) >= 100
    assert card["data"]["backtest_cutoff"].startswith("2026-03-03")  # 90 days before the as-of time
    assert card["model"]["estimator"] == "HistGradientBoostingClassifier"


def test_segments_and_the_email_tool_use_the_predictions(built_warehouse, cdp_home: Path) -> None:
    members = built_warehouse.sql(
        """select count(*), count(c.churn_probability) from marts.segment_membership as s
           join marts.customer_360 as c using (customer_id) where s.segment = 'likely_to_churn_high_value'"""
    ).fetchall()[0]
    assert members[0] > 0 and members[0] == members[1]
    with sqlite3.connect(cdp_home / "simulator" / "mailchimp.sqlite") as store:
        fields = store.execute("select json_extract(body, '$.merge_fields') from members").fetchall()
    assert fields and all("RECOMMEND" in json.loads(f) for (f,) in fields), "the recommended products merge field"


def test_a_second_scoring_reuses_the_models_and_a_retrain_gives_the_same_scores(
    nightly_run, cdp_home: Path, tmp_path: Path
) -> None:
    shutil.copy(cdp_home / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    shutil.copytree(cdp_home / "predictive", tmp_path / "predictive")
    query = "select * exclude (predicted_as_of) from intermediate.customer_predictions order by customer_id"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        tonight = con.sql(query).df()
        again = predict(con, tmp_path / "predictive")
        assert again.trained == [], "the models are not a week old"
        assert con.sql(query).df().equals(tonight)
        retrained = predict(con, tmp_path / "predictive", retrain=True)
        assert sorted(retrained.trained) == sorted(TRAITS)
        assert con.sql(query).df().equals(tonight), "the same history trains the same models"


@pytest.mark.parametrize("days, due", [(0, False), (6, False), (7, True), (-1, True)])
def test_models_train_weekly_and_never_on_a_later_history(days: int, due: bool, cdp_home: Path, nightly_run) -> None:
    card = next(c for c in read_all(cdp_home / "predictive") if c.prediction == "churn_probability")
    assert is_due(card, card.trained_at + timedelta(days=days)) is due


def test_the_blocking_check_stops_a_value_its_card_does_not_vouch_for(
    nightly_run, cdp_home: Path, tmp_path: Path, in_home
) -> None:
    """A churn probability in the table while its card says withheld (a card edited, a bug) fails the check that
    stands between the predictions and the marts."""
    shutil.copy(cdp_home / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    shutil.copytree(cdp_home / "predictive", tmp_path / "predictive")
    in_home(tmp_path)
    assert only_proven_predictions_published(warehouse=WarehouseResource()).passed
    path = tmp_path / "predictive" / "churn_probability" / "card.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "published": False, "withheld_reason": "test"}))
    result = only_proven_predictions_published(warehouse=WarehouseResource())
    assert not result.passed and "churn_probability" in result.metadata["unproven_values"].text
