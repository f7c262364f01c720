"""Fixtures for identity tests: one synthetic population per variant, resolved once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from identity_datagen import generate  # noqa: E402

N_PEOPLE = 2500


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    """Multi-locale records of a few thousand people, with ``person_id``/``household_id`` truth."""
    return generate(N_PEOPLE, seed=7)


@pytest.fixture(scope="session")
def resolved(population: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``resolve`` output and its evidence on the population."""
    from identity import resolve

    return resolve(population, return_evidence=True)


@pytest.fixture(scope="session")
def no_contact_population() -> pd.DataFrame:
    """The same kind of population with no email and no phone column at all."""
    return generate(N_PEOPLE, seed=8, with_email=False, with_phone=False)
