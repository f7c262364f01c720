"""The predictions the models make: who is scored, what is predicted, over which window, against which rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from predictive.features import FEATURES


@dataclass(frozen=True)
class Target:
    trait: str  # the column of customer_360
    title: str
    horizon_days: int
    min_orders: int  # orders before the cut-off for a customer to be scored
    population: str
    outside: str | None  # why a customer outside the population has no value
    outcome: Literal["no_order", "an_order", "spend"]
    positive: str = ""  # what a positive example is, for classifiers
    negative: str = ""

    @property
    def is_classifier(self) -> bool:
        return self.outcome != "spend"

    def learnable(self, y: pd.Series) -> bool:
        """Whether a model can be fitted to these outcomes: both classes, or some spend (Poisson needs it)."""
        return y.nunique() == 2 if self.is_classifier else bool(y.sum() > 0)

    def label(self, orders: pd.Series, spend: pd.Series) -> pd.Series:
        """The outcome in the window after the cut-off, from the orders and spend in it."""
        if self.outcome == "no_order":
            return (orders == 0).astype("int64")
        if self.outcome == "an_order":
            return (orders > 0).astype("int64")
        return spend.astype("float64")


CHURN = Target(
    "churn_probability",
    "Churn risk: the chance of no order in the next 90 days",
    90,
    1,
    "customers with at least one order",
    "no order yet",
    "no_order",
    positive="churned (no order in 90 days)",
    negative="ordered again",
)
PROPENSITY = Target(
    "purchase_propensity_30d",
    "Purchase propensity: the chance of an order in the next 30 days",
    30,
    0,
    "every customer",
    None,
    "an_order",
    positive="ordered in 30 days",
    negative="did not order",
)
VALUE = Target(
    "predicted_value_120d",
    "Predicted value: expected spend in the next 120 days, in the reporting currency",
    120,
    2,
    "customers with at least two orders",
    "fewer than two orders",
    "spend",
)
TARGETS = (CHURN, PROPENSITY, VALUE)


def examples(snapshot: pd.DataFrame, outcomes: pd.DataFrame, target: Target) -> pd.DataFrame:
    """The target's population in `snapshot` with the label `y` from `outcomes` (same cut-offs, same horizon)."""
    population = snapshot[snapshot["order_count"] >= target.min_orders]
    joined = population.merge(outcomes, on=["cutoff", "customer_id"], how="left")
    joined["y"] = target.label(joined["orders"].fillna(0), joined["spend"].fillna(0.0))
    return joined.drop(columns=["orders", "spend"]).reset_index(drop=True)


def matrix(frame: pd.DataFrame) -> np.ndarray:
    """The model's input: `FEATURES` in order, missing values as NaN (the trees route them)."""
    return frame.loc[:, list(FEATURES)].to_numpy(dtype="float64")
