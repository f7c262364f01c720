"""A shop with a handful of customers: every prediction is withheld with its reason, and the table is still written."""

from __future__ import annotations

from pathlib import Path

from predictive import TABLE, TRAITS, predict, read_all


def test_too_little_history_withholds_every_prediction_and_says_why(planted, tmp_path: Path) -> None:
    planted.as_of("2026-06-01 02:00+00")
    planted.customer("alice", ("square:1", "2025-01-01 00:00+00"))
    planted.customer("bob", ("hubspot:2", "2025-03-01 00:00+00"))
    for month in range(1, 13):
        planted.order("square:1", f"2025-{month:02d}-15 12:00+00", 20.0, products=(("Mug", "home"),))
    outcome = predict(planted.con, tmp_path)
    assert sorted(outcome.trained) == sorted(TRAITS)
    assert not any(card.published for card in read_all(tmp_path)), "no card may say published"
    rows = planted.con.sql(
        f"""select customer_id, churn_probability, churn_probability_null_reason, predicted_value_120d_null_reason,
                   next_products_null_reason
            from {TABLE} order by customer_id"""
    ).fetchall()
    (alice, bob) = rows
    assert alice[1] is None and alice[2].startswith("withheld: too few examples")
    assert bob[2] == "no order yet" and bob[3] == "fewer than two orders"
    assert alice[4].startswith("withheld: too few examples")
