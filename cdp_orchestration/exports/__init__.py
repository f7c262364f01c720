"""Exports: one asset per destination of activation's destinations.yml."""
