"""Transformation: the dbt project (staging, intermediate, marts) and what it needs at run time."""
