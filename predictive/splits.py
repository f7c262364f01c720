"""Time splits: which past cut-offs a model learns from, and the one it is tested on.

A cut-off's examples are labelled by what happened in the `horizon` days after it, so a model may learn only from
cut-offs whose windows had closed by the moment it is used: for the model published tonight, by the as-of time; for
its backtest, by the test cut-off, `horizon` days before the as-of time, whose own window closes at the as-of time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STEP_DAYS = 30
"""Days between stacked training cut-offs (each customer is an example once per cut-off)."""
TRAINING_CUTOFFS = 4


@dataclass(frozen=True)
class Split:
    train: tuple[datetime, ...]
    test: datetime


def training_cutoffs(closed_by: datetime, horizon_days: int) -> tuple[datetime, ...]:
    """The latest `TRAINING_CUTOFFS` cut-offs, `STEP_DAYS` apart, whose `horizon_days` windows closed by `closed_by`."""
    return tuple(closed_by - timedelta(days=horizon_days + i * STEP_DAYS) for i in range(TRAINING_CUTOFFS))


def backtest(as_of: datetime, horizon_days: int) -> Split:
    """Test at `horizon_days` before the as-of time (its window is the latest that has fully happened); train on
    cut-offs whose windows closed by then."""
    test = as_of - timedelta(days=horizon_days)
    return Split(train=training_cutoffs(test, horizon_days), test=test)
