"""How good a prediction was on a backtest, and whether it beat its baseline by more than chance.

Comparisons with a baseline are paired bootstraps over the test customers (Poisson weights, a fixed seed so a
backtest gives the same answer twice): the gain is the model's figure minus the baseline's on the same resample,
and a prediction beats its baseline when the lower end of the gain's one-sided 95 % interval is above zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

RESAMPLES = 400
CONFIDENCE = 0.95
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Gain:
    """A model's figure against its baseline's on the same test set, with the bootstrap interval of the gain."""

    metric: str
    model: float
    baseline: float
    gain: float  # how much better the model is: model - baseline, or for an error baseline - model
    low: float  # the gain's interval: the lower end is one-sided at CONFIDENCE
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0

    def as_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "model": round(self.model, 4),
            "baseline": round(self.baseline, 4),
            "gain": round(self.gain, 4),
            "interval": [round(self.low, 4), round(self.high, 4)],
            "confidence": CONFIDENCE,
        }


def classification(y: np.ndarray, score: np.ndarray) -> dict[str, object]:
    """ROC AUC, PR AUC (average precision), lift in the top decile, Brier score and calibration by decile."""
    y = np.asarray(y, dtype=float)
    both_classes = 0 < y.sum() < len(y)
    top = np.argsort(-score, kind="stable")[: max(1, len(y) // 10)]
    base_rate = float(y.mean()) if len(y) else float("nan")
    return {
        "examples": len(y),
        "base_rate": round(base_rate, 4),
        "roc_auc": round(float(roc_auc_score(y, score)), 4) if both_classes else None,
        "pr_auc": round(float(average_precision_score(y, score)), 4) if both_classes else None,
        "top_decile_lift": round(float(y[top].mean() / base_rate), 3) if base_rate else None,
        "brier": round(float(brier_score_loss(y, score)), 4),
        "calibration": calibration(y, score),
    }


def calibration(y: np.ndarray, score: np.ndarray) -> list[dict[str, float]]:
    """Mean predicted probability against the observed rate in each decile of the predictions."""
    order = np.argsort(score, kind="stable")
    rows = []
    for part in np.array_split(order, min(CALIBRATION_BINS, len(order))):
        if len(part):
            rows.append(
                {
                    "predicted": round(float(score[part].mean()), 4),
                    "observed": round(float(y[part].mean()), 4),
                    "customers": len(part),
                }
            )
    return rows


def regression(y: np.ndarray, predicted: np.ndarray) -> dict[str, object]:
    error = predicted - y
    return {
        "examples": len(y),
        "mean_actual": round(float(y.mean()), 2),
        "mean_predicted": round(float(predicted.mean()), 2),
        "mae": round(float(np.abs(error).mean()), 2),
        "rmse": round(float(np.sqrt((error**2).mean())), 2),
    }


def _weights(n: int) -> np.ndarray:
    return np.random.default_rng(0).poisson(1.0, size=(RESAMPLES, n)).astype(float)


def _gain(metric: str, model: float, baseline: float, gain: Callable[[np.ndarray], float], n: int) -> Gain:
    """`gain(weights)` on the test set as it is and on each resample."""
    resampled = np.array([gain(w) for w in _weights(n)])
    resampled = resampled[np.isfinite(resampled)]
    low, high = np.quantile(resampled, [1 - CONFIDENCE, CONFIDENCE]) if len(resampled) else (np.nan, np.nan)
    return Gain(metric, model, baseline, gain(np.ones(n)), float(low), float(high))


def precision_at_baseline_size(y: np.ndarray, score: np.ndarray, in_baseline: np.ndarray) -> Gain:
    """Precision of the model's top customers against the baseline segment's, at the segment's size."""
    y = np.asarray(y, dtype=float)
    member = np.asarray(in_baseline, dtype=float)
    ranked = np.argsort(-score, kind="stable")

    def precisions(w: np.ndarray) -> tuple[float, float]:
        size = float((w * member).sum())
        if size == 0:
            return float("nan"), float("nan")
        w_ranked = w[ranked]
        reach = np.cumsum(w_ranked)
        top = min(int(np.searchsorted(reach, size)) + 1, len(reach))
        return float((w * member * y).sum() / size), float((w_ranked[:top] * y[ranked][:top]).sum() / reach[top - 1])

    def gain(w: np.ndarray) -> float:
        baseline, model = precisions(w)
        return model - baseline

    baseline, model = precisions(np.ones(len(y)))
    return _gain("precision", model, baseline, gain, len(y))


def squared_error_against(y: np.ndarray, predicted: np.ndarray, baseline: np.ndarray, metric: str) -> Gain:
    """Root mean squared error of the model against a baseline's; the gain is the baseline's error minus the
    model's, so a positive gain means the model errs less."""
    model_sq, base_sq = (predicted - y) ** 2, (baseline - y) ** 2

    def rmse(sq: np.ndarray, w: np.ndarray) -> float:
        return float(np.sqrt((w * sq).sum() / w.sum())) if w.sum() else float("nan")

    return _gain(
        metric,
        rmse(model_sq, np.ones(len(y))),
        rmse(base_sq, np.ones(len(y))),
        lambda w: rmse(base_sq, w) - rmse(model_sq, w),
        len(y),
    )


def hit_rate_against(model_hits: np.ndarray, baseline_hits: np.ndarray) -> Gain:
    """Share of customers with a hit among their recommendations, against the baseline's recommendations."""
    model_hits, baseline_hits = np.asarray(model_hits, dtype=float), np.asarray(baseline_hits, dtype=float)

    def rate(hits: np.ndarray, w: np.ndarray) -> float:
        return float((w * hits).sum() / w.sum()) if w.sum() else float("nan")

    ones = np.ones(len(model_hits))
    return _gain(
        "hit_rate_at_5",
        rate(model_hits, ones),
        rate(baseline_hits, ones),
        lambda w: rate(model_hits, w) - rate(baseline_hits, w),
        len(model_hits),
    )
