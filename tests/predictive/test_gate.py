"""The gate: enough examples of each outcome, and a gain over the baseline that chance does not explain."""

from __future__ import annotations

import numpy as np
import pytest

from predictive.gate import MIN_EXAMPLES, judge
from predictive.metrics import classification, hit_rate_against, precision_at_baseline_size, squared_error_against

# Eight customers ranked by the model; the rule's segment holds four of them, one of whom churned.
Y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
SEGMENT = np.array([0, 0, 0, 1, 1, 1, 1, 0])


def test_precision_is_compared_at_the_segments_size() -> None:
    gain = precision_at_baseline_size(Y, SCORE, SEGMENT)
    assert (gain.baseline, gain.model) == (0.25, 0.75)  # 1 of the segment's 4; 3 of the model's top 4


def test_a_gain_repeated_on_many_customers_is_significant_and_none_is_not() -> None:
    many = precision_at_baseline_size(np.tile(Y, 100), np.tile(SCORE, 100), np.tile(SEGMENT, 100))
    assert many.significant and many.low > 0.3
    same = precision_at_baseline_size(np.tile(Y, 100), np.tile(SCORE, 100), np.tile(SCORE > 0.55, 100))
    assert same.gain == 0 and not same.significant


def test_errors_and_hit_rates_count_as_gains_when_the_model_does_better() -> None:
    rng = np.random.default_rng(1)
    actual = rng.gamma(2.0, 50.0, 500)
    close, far = actual + rng.normal(0, 10, 500), actual + rng.normal(0, 60, 500)
    better = squared_error_against(actual, close, far, "rmse")
    assert better.model < better.baseline and better.significant
    assert not squared_error_against(actual, far, close, "rmse").significant
    hits = hit_rate_against(np.arange(300) % 2 == 0, np.arange(300) % 4 == 0)
    assert (hits.model, hits.baseline) == (0.5, 0.25) and hits.significant


def test_a_prediction_with_a_scarce_class_is_withheld_with_the_reason() -> None:
    gain = precision_at_baseline_size(np.tile(Y, 100), np.tile(SCORE, 100), np.tile(SEGMENT, 100))
    verdict = judge({"churned": MIN_EXAMPLES - 1, "ordered again": 500}, [(gain, "the at_risk segment")])
    assert not verdict.published and f"{MIN_EXAMPLES - 1} churned" in verdict.reason
    assert judge({"churned": MIN_EXAMPLES, "ordered again": 500}, [(gain, "the at_risk segment")]).published


def test_a_prediction_that_does_not_beat_its_baseline_is_withheld_with_the_reason() -> None:
    same = precision_at_baseline_size(np.tile(Y, 100), np.tile(SCORE, 100), np.tile(SCORE > 0.55, 100))
    verdict = judge({"churned": 400, "ordered again": 400}, [(same, "the at_risk segment")])
    assert not verdict.published and verdict.reason.startswith("does not beat the at_risk segment")


def test_classification_metrics_on_a_perfect_ranking() -> None:
    y = np.array([0] * 90 + [1] * 10)
    found = classification(y, np.linspace(0, 1, 100))
    assert found["roc_auc"] == 1.0 and found["pr_auc"] == 1.0
    assert found["top_decile_lift"] == pytest.approx(10.0)  # all ten positives in the top tenth, base rate 0.1
    assert [b["observed"] for b in found["calibration"]] == [0.0] * 9 + [1.0]
