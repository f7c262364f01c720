"""Fixtures of the export tests: the shared nightly run, and the warehouse opened read-only."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# The shared run lives in tests/exports/nightly.py, imported by its package path from both test folders.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.exports.nightly import shared_home  # noqa: E402


@pytest.fixture(scope="module")
def home() -> Path:
    return shared_home()


@pytest.fixture
def warehouse(home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        yield con
