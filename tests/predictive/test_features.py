"""Features as of a cut-off and outcomes after it, on orders planted by hand (values worked out below)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from predictive import splits
from predictive.features import outcomes, snapshot
from predictive.targets import CHURN, VALUE, examples

CUTOFF = datetime(2026, 5, 1, 2, tzinfo=UTC)


@pytest.fixture
def shop(planted):
    planted.customer("alice", ("shopify:1", "2025-01-01 00:00+00"), ("square:2", "2025-06-01 00:00+00"))
    planted.customer("bob", ("hubspot:3", "2026-02-01 00:00+00"))
    planted.customer("carol", ("square:4", "2026-06-01 00:00+00"))
    planted.order("shopify:1", "2025-10-01 12:00+00", 100, channel="online")
    planted.order("square:2", "2026-01-01 12:00+00", 50)
    planted.order("square:2", "2026-03-01 12:00+00", 30, revenue=False)  # cancelled: not a purchase
    planted.order("square:2", "2026-04-02 12:00+00", 70)
    planted.order("shopify:1", "2026-05-10 12:00+00", 40, channel="online")  # after the cut-off
    planted.order(None, "2026-04-20 12:00+00", 999)  # anonymous till sale
    return planted


def test_features_count_only_what_was_known_at_the_cut_off(shop) -> None:
    rows = snapshot(shop.con, [CUTOFF]).set_index("customer_id")
    assert sorted(rows.index) == ["alice", "bob"], "carol's first record came after the cut-off"
    alice = rows.loc["alice"]
    assert alice["order_count"] == 3  # the cancelled order and the one after the cut-off do not count
    assert (alice["orders_30d"], alice["orders_90d"], alice["orders_180d"], alice["orders_365d"]) == (1, 1, 2, 3)
    assert alice["recency_days"] == 29  # 2 April to 1 May
    assert alice["first_order_days"] == 212  # 1 October to 1 May
    assert alice["days_known"] == 485  # her first record, 1 January 2025
    assert alice["mean_gap_days"] == pytest.approx(183 / 2)  # 1 October to 2 April, two gaps
    assert alice["recency_over_gap"] == pytest.approx((28 + 14 / 24) / (183 / 2))
    assert (alice["spend_total"], alice["spend_120d"], alice["spend_365d"]) == (220, 120, 220)
    assert alice["average_order_value"] == pytest.approx(220 / 3)
    assert alice["online_share"] == pytest.approx(1 / 3)
    bob = rows.loc["bob"]
    assert bob["order_count"] == 0 and bob["days_known"] == 89 and bob["spend_total"] == 0
    assert bob[["recency_days", "mean_gap_days", "average_order_value"]].isna().all()


def test_outcomes_are_what_happened_inside_the_window_after_the_cut_off(shop) -> None:
    month = outcomes(shop.con, [CUTOFF], 30).set_index("customer_id")
    assert list(month.index) == ["alice"] and (month.loc["alice", "orders"], month.loc["alice", "spend"]) == (1, 40)
    assert outcomes(shop.con, [CUTOFF], 5).empty  # 10 May is after 1 May + 5 days


def test_a_later_cut_off_sees_later_orders_and_customers(shop) -> None:
    later = CUTOFF + timedelta(days=40)
    rows = snapshot(shop.con, [CUTOFF, later]).set_index(["cutoff", "customer_id"])
    assert rows.loc[(CUTOFF, "alice"), "order_count"] == 3
    assert rows.loc[(later, "alice"), "order_count"] == 4
    assert (later, "carol") in rows.index and (CUTOFF, "carol") not in rows.index


def test_examples_are_labelled_by_the_window_and_keep_to_the_population(shop) -> None:
    found = examples(snapshot(shop.con, [CUTOFF]), outcomes(shop.con, [CUTOFF], 90), CHURN).set_index("customer_id")
    assert list(found.index) == ["alice"], "bob has no order: no churn to predict"
    assert found.loc["alice", "y"] == 0, "she ordered on 10 May"
    value = examples(snapshot(shop.con, [CUTOFF]), outcomes(shop.con, [CUTOFF], 120), VALUE).set_index("customer_id")
    assert value.loc["alice", "y"] == 40


def test_no_order_after_a_training_cut_off_reaches_its_features(planted) -> None:
    """The backtest's training examples know nothing of the test window, and its test features nothing after it."""
    as_of = datetime(2026, 6, 1, 2, tzinfo=UTC)
    split = splits.backtest(as_of, CHURN.horizon_days)
    assert split.test + timedelta(days=CHURN.horizon_days) == as_of
    assert all(t + timedelta(days=CHURN.horizon_days) <= split.test for t in split.train)
    planted.customer("dora", ("square:9", "2024-01-01 00:00+00"))
    planted.order("square:9", "2024-06-01 12:00+00", 10)
    planted.order("square:9", str(split.test + timedelta(hours=1)), 500)  # right after the test cut-off
    cutoffs = [*split.train, split.test]
    found = examples(snapshot(planted.con, cutoffs), outcomes(planted.con, cutoffs, CHURN.horizon_days), CHURN)
    assert (found["order_count"] == 1).all() and (found["spend_total"] == 10).all()
    assert found.set_index("cutoff").loc[split.test, "y"] == 0, "the order is the test cut-off's outcome"
    assert (found[found["cutoff"] != split.test]["y"] == 1).all(), "no training window reaches it"
