"""Segments: who is in which segment now (membership) and since when (history), from the dbt segment models."""
