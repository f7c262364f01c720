"""Whether a prediction may be published: enough examples of each outcome to learn from, and a backtest that beats
the rule it replaces by more than chance. A prediction that fails is withheld with the reason; the night goes on."""

from __future__ import annotations

from dataclasses import dataclass

from predictive.metrics import CONFIDENCE, Gain

MIN_EXAMPLES = 100
"""Fewest examples of each class (a classifier's outcomes; a regressor's or recommender's customers) to publish."""


@dataclass(frozen=True)
class Verdict:
    published: bool
    reason: str | None  # why it is withheld


def judge(examples: dict[str, int], gains: list[tuple[Gain, str]]) -> Verdict:
    """`examples`: the count of each class the model learnt from (or was measured on); `gains`: the backtest against
    each baseline (with its name, as a marketer knows it), every one of which it must beat."""
    scarce = {name: n for name, n in examples.items() if n < MIN_EXAMPLES}
    if scarce:
        listed = ", ".join(f"{n} {name}" for name, n in scarce.items())
        return Verdict(False, f"too few examples: {listed} (at least {MIN_EXAMPLES} of each needed)")
    if not gains:
        return Verdict(False, "nothing to backtest on: no customers at the backtest cut-off, or one outcome for all")
    for gain, baseline in gains:
        if not gain.significant:
            return Verdict(
                False,
                f"does not beat {baseline}: {gain.metric.replace('_', ' ')} {gain.model:.3f} against "
                f"{gain.baseline:.3f} on the backtest (gain {gain.gain:+.3f}, {CONFIDENCE:.0%} interval from "
                f"{gain.low:+.3f})",
            )
    return Verdict(True, None)
