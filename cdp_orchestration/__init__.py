"""Dagster wiring of the CDP: assets, checks, schedules and resources per area, and the `cdp` command."""
