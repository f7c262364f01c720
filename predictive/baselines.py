"""The rules the predictions replace, applied at a cut-off exactly as customer_360 applies them at the as-of time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from predictive.settings import lifecycle


def lifecycle_stage(snapshot: pd.DataFrame) -> pd.Series:
    """customer_360's `lifecycle_stage` (int_customer__lifecycle.sql) from a snapshot's day counts."""
    rule = lifecycle()
    first, recency = snapshot["first_order_days"], snapshot["recency_days"]
    stage = np.select(
        [
            snapshot["order_count"] == 0,
            first <= rule.new_days,
            recency <= rule.active_days,
            recency <= rule.at_risk_days,
        ],
        ["lead", "new", "active", "at_risk"],
        default="lapsed",
    )
    return pd.Series(stage, index=snapshot.index)


def at_risk(snapshot: pd.DataFrame) -> np.ndarray:
    """The `at_risk` segment (seg_at_risk.sql): the rule a churn score must beat."""
    return (lifecycle_stage(snapshot) == "at_risk").to_numpy()


def recent_buyers(snapshot: pd.DataFrame) -> np.ndarray:
    """Customers new or active (ordered within `lifecycle_active_days`): the rule a purchase propensity must beat."""
    return lifecycle_stage(snapshot).isin(["new", "active"]).to_numpy()
