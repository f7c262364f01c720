"""The trees train on what a small or young shop has: a feature no customer has a value for yet."""

from __future__ import annotations

import numpy as np

from predictive import model
from predictive.targets import TARGETS


def test_a_feature_missing_for_every_customer_trains_and_scores() -> None:
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.normal(size=400), np.full(400, np.nan)])
    for target in TARGETS:
        y = (x[:, 0] > 0).astype("int64") if target.is_classifier else np.exp(x[:, 0]).round(2)
        estimator = model.train(target, x, y)
        scores = model.predict(estimator, np.array([[2.0, np.nan], [-2.0, 5.0]]))
        assert scores[0] > scores[1], target.trait
