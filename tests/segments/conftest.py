"""Fixtures of the segment tests: the session's shared nightly run (tests/exports/nightly.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.exports.nightly import shared_home  # noqa: E402


@pytest.fixture(scope="module")
def home() -> Path:
    return shared_home()
