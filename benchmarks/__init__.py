"""Benchmarks: heavy measurements kept out of `make test`; each prints its figures as a table."""
