"""On purchases without signal (the simulator's CDP_RANDOM_PURCHASES), nothing is published and the night goes on."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from predictive import TRAITS
from tests.conftest import run_night


@pytest.fixture(scope="module")
def random_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("random_purchases")
    run_night(home, extra_env={"CDP_RANDOM_PURCHASES": "1"})  # fails the test unless the night succeeds
    return home


def test_the_gate_refuses_predictions_that_do_not_beat_their_baselines(random_night: Path) -> None:
    churn = json.loads((random_night / "predictive" / "churn_probability" / "card.json").read_text())
    print(f"\nchurn on random purchases: {churn['withheld_reason']}; backtest {churn['comparison']}")
    assert not churn["published"]
    assert churn["withheld_reason"].startswith("does not beat the at_risk segment"), "refused for the right reason"
    assert min(churn["data"]["classes"].values()) >= 100, "there were examples enough: the model had nothing to learn"
    with duckdb.connect(str(random_night / "warehouse.duckdb"), read_only=True) as con:
        for trait in TRAITS:
            card = json.loads((random_night / "predictive" / trait / "card.json").read_text())
            values, reasons = con.sql(
                f"""select count({trait}), count(*) filter (where {trait}_null_reason = 'withheld: ' || ?)
                    from marts.customer_360""",
                params=[card["withheld_reason"] or ""],
            ).fetchall()[0]
            # Without signal no model may beat its baseline: each one is withheld, and the profile says why.
            assert not card["published"], f"{trait} published on purchases that carry no signal: {card['comparison']}"
            assert card["withheld_reason"], trait
            assert values == 0 and reasons > 0, trait
        reasons = con.sql(
            """select distinct churn_probability_null_reason from marts.customer_360 where order_count > 0"""
        ).fetchall()
        assert reasons == [(f"withheld: {churn['withheld_reason']}",)]
        segment = con.sql(
            "select count(*) from marts.segment_membership where segment = 'likely_to_churn_high_value'"
        ).fetchall()
        assert segment == [(0,)]
