"""Why a customer got their score: the features that moved it most, in words a marketer reads.

A feature's push is the score with the customer's own value minus the score with the value a typical customer of
the training set has (its median): the simplest faithful account of a tree model's answer for one customer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from predictive.features import FEATURES
from predictive.settings import reporting_currency

Scorer = Callable[[np.ndarray], np.ndarray]
TOP_REASONS = 3
MIN_PUSH = 0.01  # a feature that moves the probability by less than a point is not a reason

_WORDS = {
    "days_known": "known for {:.0f} days",
    "order_count": "{:.0f} orders in all",
    "orders_30d": "{:.0f} orders in the last 30 days",
    "orders_90d": "{:.0f} orders in the last 90 days",
    "orders_180d": "{:.0f} orders in the last 180 days",
    "orders_365d": "{:.0f} orders in the last year",
    "recency_days": "last order {:.0f} days ago",
    "first_order_days": "first order {:.0f} days ago",
    "mean_gap_days": "usually {:.0f} days between orders",
    "recency_over_gap": "{:.1f} times the usual gap since the last order",
    "spend_total": "{currency} {:,.0f} spent in all",
    "spend_120d": "{currency} {:,.0f} spent in the last 120 days",
    "spend_365d": "{currency} {:,.0f} spent in the last year",
    "average_order_value": "{currency} {:,.0f} per order on average",
    "online_share": "{:.0%} of orders online",
}
_MISSING = {
    "recency_days": "no order yet",
    "first_order_days": "no order yet",
    "mean_gap_days": "a single order so far",
    "recency_over_gap": "a single order so far",
}


def reference(x: np.ndarray) -> np.ndarray:
    """The typical customer of a training set: each feature's median (NaN where most have none)."""
    medians = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        present = x[~np.isnan(x[:, j]), j]
        if len(present) * 2 > len(x):
            medians[j] = np.median(present)
    return medians


def pushes(score: Scorer, x: np.ndarray, typical: np.ndarray) -> np.ndarray:
    """Per customer and feature: the score minus the score with that feature set to the typical value."""
    base = score(x)
    moved = np.empty_like(x)
    for j in range(x.shape[1]):
        swapped = x.copy()
        swapped[:, j] = typical[j]
        moved[:, j] = base - score(swapped)
    return moved


def reasons(score: Scorer, x: np.ndarray, typical: np.ndarray) -> list[list[str]]:
    """Per customer, up to `TOP_REASONS` features that raised the score most, described with their values."""
    moved = pushes(score, x, typical)
    currency = reporting_currency()
    out = []
    for row, push in zip(x, moved, strict=True):
        ranked = [j for j in np.argsort(-push, kind="stable")[:TOP_REASONS] if push[j] >= MIN_PUSH]
        out.append([describe(FEATURES[j], row[j], currency) for j in ranked])
    return out


def describe(feature: str, value: float, currency: str) -> str:
    if np.isnan(value):
        return _MISSING.get(feature, f"{feature.replace('_', ' ')} unknown")
    return _WORDS[feature].format(value, currency=currency)
