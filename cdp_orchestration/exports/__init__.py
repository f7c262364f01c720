"""Reverse-ETL: segments sent to email tools (as differences) and to file drops and ad platforms (as snapshots)."""
