"""Gradient-boosted trees (scikit-learn's histogram GBMs): fast on 2 cores, missing values routed by the trees."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from predictive.targets import Target

# Small trees, a slow learning rate and a floor on leaf sizes keep small shops from fitting noise. No early stopping
# or subsampling: the same data trains the same model.
PARAMS = {
    "learning_rate": 0.05,
    "max_iter": 150,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}

# Below this many rows OpenMP's threads cost more than they save (15x slower on a busy 2-core machine): one thread.
PARALLEL_FROM_ROWS = 100_000

Estimator = HistGradientBoostingClassifier | HistGradientBoostingRegressor


def _threads(rows: int) -> int | None:
    return None if rows >= PARALLEL_FROM_ROWS else 1


def train(target: Target, x: np.ndarray, y: np.ndarray) -> Estimator:
    """A classifier of the target's outcome, or for spend a regressor with a Poisson loss (non-negative, mostly
    small, with a long tail)."""
    estimator = (
        HistGradientBoostingClassifier(**PARAMS)
        if target.is_classifier
        else HistGradientBoostingRegressor(loss="poisson", **PARAMS)
    )
    with threadpool_limits(_threads(len(x))):
        return estimator.fit(_learnable_columns(x), y)


def _learnable_columns(x: np.ndarray) -> np.ndarray:
    """`x` with a column missing in every row set to 0: scikit-learn 1.9 fails to bin a column with no value at all
    (a shop without web events, a population no one of which has a second order), and such a column teaches the
    trees nothing either way. At scoring time nothing splits on it, so its values there change nothing."""
    empty = np.isnan(x).all(axis=0)
    if not empty.any():
        return x
    filled = x.copy()
    filled[:, empty] = 0.0
    return filled


def predict(estimator: Estimator, x: np.ndarray) -> np.ndarray:
    """The probability of the positive outcome, or the expected amount."""
    with threadpool_limits(_threads(len(x))):
        if isinstance(estimator, HistGradientBoostingClassifier):
            return estimator.predict_proba(x)[:, 1]
        return estimator.predict(x)


def describe(target: Target) -> dict[str, object]:
    """What the model card says about the model."""
    if target.is_classifier:
        return {
            "library": f"scikit-learn {sklearn.__version__}",
            "estimator": "HistGradientBoostingClassifier",
            "params": PARAMS,
        }
    return {
        "library": f"scikit-learn {sklearn.__version__}",
        "estimator": "HistGradientBoostingRegressor",
        "params": {"loss": "poisson", **PARAMS},
    }


def save(path: Path, estimator: Estimator, typical: np.ndarray) -> None:
    """The trained model and the typical customer of its training set (the reference of its reasons)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump({"estimator": estimator, "typical": typical}, tmp)
    tmp.replace(path)


def load(path: Path) -> tuple[Estimator, np.ndarray]:
    saved = joblib.load(path)
    return saved["estimator"], saved["typical"]
