"""Model cards: what each prediction learnt from, how it did on the backtest, against which baseline, and whether it
is published. Kept as JSON beside the model under `$CDP_HOME/predictive/<prediction>/`, for Dagster's asset metadata,
the console and anyone reading the folder."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from warehouse import cdp_home

VERSION = 1
"""Of the features, targets and models: a card (and its model) of another version is retrained, never reused."""


@dataclass
class Card:
    prediction: str  # the trait of customer_360
    title: str
    population: str
    horizon_days: int
    trained_as_of: str  # ISO time: the run's as-of time when it was trained (the card's date)
    published: bool
    withheld_reason: str | None
    baseline: str  # the rule it is compared with
    comparison: dict = field(default_factory=dict)  # the gate's figures (metrics.Gain.as_dict), one per baseline
    backtest: dict = field(default_factory=dict)  # the model's metrics on the backtest cut-off
    baseline_metrics: dict = field(default_factory=dict)  # the same metrics of the baseline, where they apply
    data: dict = field(default_factory=dict)  # window, cut-offs, sizes and classes
    model: dict = field(default_factory=dict)  # library, estimator, parameters, features
    version: int = VERSION

    @property
    def trained_at(self) -> datetime:
        return datetime.fromisoformat(self.trained_as_of)

    def as_dict(self) -> dict:
        """The card as plain JSON values (a figure that could not be computed, NaN, is null)."""
        return _plain(asdict(self))

    def headline(self) -> str:
        """One line: published with its figures against each baseline, or withheld with the reason."""
        if not self.published:
            return f"withheld: {self.withheld_reason}"
        auc = self.backtest.get("roc_auc")
        figures = [f"ROC AUC {auc:.3f}"] if auc is not None else []
        for name, gain in self.comparison.items():
            metric, _, baseline = name.partition(" against ")
            figures.append(
                f"{metric.replace('_', ' ')} {gain['model']:.3f} against {gain['baseline']:.3f} ({baseline})"
            )
        return "published: " + "; ".join(figures)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def default_home() -> Path:
    """`$CDP_HOME/predictive`: one folder per prediction with its model and its card."""
    return cdp_home() / "predictive"


def folder(home: Path, prediction: str) -> Path:
    return home / prediction


def write(card: Card, home: Path) -> Path:
    path = folder(home, card.prediction) / "card.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(card.as_dict(), indent=2, allow_nan=False))
    os.replace(tmp, path)
    return path


def read(home: Path, prediction: str) -> Card | None:
    """The saved card, or None when there is none or it was written by another version."""
    path = folder(home, prediction) / "card.json"
    try:
        raw = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if raw.get("version") != VERSION:
        return None
    return Card(**raw)


def read_all(home: Path | None = None) -> list[Card]:
    """Every prediction's card (under `$CDP_HOME/predictive` unless `home` says otherwise), for a page that shows
    them."""
    home = home or default_home()
    found = (read(home, p.name) for p in sorted(home.iterdir()) if p.is_dir()) if home.is_dir() else ()
    return [card for card in found if card is not None]
