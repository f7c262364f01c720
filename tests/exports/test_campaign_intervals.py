"""The uplift intervals of marts.campaign_results over many seeds, on planted campaigns whose true effect the test
sets: the interval covers the true effect in most seeds, and a campaign with no effect shows one covering zero.

Planted stays, not nights: forty seeds in a fraction of a second. The whole road (the simulator's campaign effects,
exports, held-out members, the night that computes the table) is judged on one seed by test_holdouts.py, and over
seeds of whole nights by `make bench` (benchmarks/campaigns.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from activation.campaign_results import results
from tests.exports.test_holdout_assignment import stays

SEEDS = range(40)
MEMBERS = 1200
HELD_OUT_SHARE = 0.1
BASE_CONVERSION = 0.15
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
# Nominal coverage is 95%: 40 seeds fall below 34 covered about once in a thousand runs of the suite.
MIN_COVERED = 34


def planted(seed: int, extra_conversion: float) -> tuple[pd.DataFrame, float]:
    """A campaign's stays in one week: held out with the promised share, the treated converting `extra_conversion`
    more often; and the true difference in orders per member."""
    rng = np.random.default_rng(seed)
    held_out = rng.random(MEMBERS) < HELD_OUT_SHARE
    chance = np.where(held_out, BASE_CONVERSION, BASE_CONVERSION + extra_conversion)
    orders = (rng.random(MEMBERS) < chance).astype(int)
    frame = pd.DataFrame(
        {
            "destination": "mailchimp",
            "segment": "planted",
            "customer_id": [f"cus_{i}" for i in range(MEMBERS)],
            "entered_at": AS_OF - timedelta(days=30),
            "held_out": held_out,
            "expected_held_out": HELD_OUT_SHARE,
            "orders": orders,
            "revenue": orders * rng.gamma(2.0, 40.0, MEMBERS),
        }
    )
    return frame, extra_conversion


def overall(frame: pd.DataFrame, seed: int = 0) -> dict:
    """The campaign's row over all weeks."""
    (row,) = results(frame, AS_OF, "USD", seed=seed).query("period == 'all'").to_dict("records")
    return row


@pytest.mark.parametrize("extra_conversion", [0.0, 0.08])
def test_intervals_cover_the_planted_effect_in_most_seeds(extra_conversion: float) -> None:
    covered = {"conversion": 0, "orders": 0}
    for seed in SEEDS:
        frame, truth = planted(seed, extra_conversion)
        row = overall(frame, seed)
        assert not row["sample_ratio_mismatch"]
        covered["conversion"] += row["absolute_uplift_low"] <= truth <= row["absolute_uplift_high"]
        covered["orders"] += row["orders_uplift_low"] <= truth <= row["orders_uplift_high"]
    assert min(covered.values()) >= MIN_COVERED, covered


def test_a_real_effect_is_told_from_none_at_this_size() -> None:
    """At 1,200 members (120 held out) and a 12-point effect the interval excludes zero in most seeds: the intervals
    are not merely wide enough to cover anything."""
    excluded = 0
    for seed in SEEDS:
        frame, _ = planted(seed, 0.12)
        row = overall(frame, seed)
        excluded += row["absolute_uplift_low"] > 0
    assert excluded >= len(SEEDS) // 2, excluded


def test_groups_without_any_spread_get_no_interval_rather_than_certainty() -> None:
    """Nobody in either group ordered (a small campaign, a quiet fortnight): orders per member have no spread for a t
    interval to measure, and [0, 0] would claim the campaign surely brought nothing. No interval: too few to tell."""
    row = overall(stays(treated=(22, 0), held_out=(3, 0), expected_share=0.1))
    assert (row["orders_uplift_low"], row["orders_uplift_high"]) == (None, None), row


def test_groups_alike_within_but_apart_get_an_interval_excluding_zero() -> None:
    """Every treated member ordered once, no held-out member did: neither group varies within itself, yet the
    difference is plain. The interval holds the planted one order per member and excludes zero, and is no single
    point either (a certainty 25 members do not give)."""
    row = overall(stays(treated=(22, 22), held_out=(3, 0), expected_share=0.1))
    assert row["orders_uplift_low"] is not None, row
    assert 0 < row["orders_uplift_low"] < 1 < row["orders_uplift_high"], row
