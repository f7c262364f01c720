"""Dagster definitions, the `cdp` command and the reverse-ETL exports of the CDP."""
