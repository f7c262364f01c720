"""Predictive traits that prove themselves: churn risk, purchase propensity, expected value and next products.

Each is backtested on time splits of the warehouse's own history, compared with the rule it replaces, and published
in `intermediate.customer_predictions` (joined into customer_360) only when it beats that rule; its model card says
how it did. Usable without Dagster:

    from predictive import predict, read_all
    outcome = predict(con)          # models and cards in $CDP_HOME/predictive
    cards = read_all()              # what the console shows
"""

from predictive.card import Card, default_home, read_all
from predictive.nightly import TABLE, TRAITS, Outcome, is_due, predict

__all__ = ["TABLE", "TRAITS", "Card", "Outcome", "default_home", "is_due", "predict", "read_all"]
