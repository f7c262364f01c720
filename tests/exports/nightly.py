"""One nightly run shared by the segment and export tests of a session (a run takes 60–90 s).

A plain module rather than a fixture so both test folders reuse the same run; it can become the session-level
warehouse fixture of tests/conftest.py as it is.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PEOPLE = 250
SEED = 42
_HOME: Path | None = None


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Sets environment variables for the block and restores them after it."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def home_environment(home: Path) -> dict[str, str]:
    return {
        "CDP_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "CDP_PEOPLE": str(PEOPLE),
        "CDP_SEED": str(SEED),
        "CDP_FAULTS": "0",
    }


def run_night(home: Path) -> None:
    """Runs the nightly job into `home` in this process; fails the test with the run's exit status otherwise."""
    from cdp_orchestration.cli import run_nightly

    with environment(**home_environment(home)):
        status = run_nightly()
    assert status == 0, f"the nightly run into {home} failed"


def shared_home() -> Path:
    """The CDP_HOME of the session's first nightly run (made on first use)."""
    global _HOME
    if _HOME is None:
        home = Path(tempfile.mkdtemp(prefix="cdp-exports-"))
        run_night(home)
        _HOME = home
    return _HOME
