"""Fixtures of the segment tests: a copy of the session's populated home."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def home(home_copy: Path) -> Path:
    return home_copy
