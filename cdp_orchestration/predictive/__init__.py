"""Predictive traits in the pipeline: trained weekly with their backtest and gate, scored every night."""
