"""One small populated warehouse per test session, built by the real nightly run, for many tests to read.

Scenario tests that need their own state (faults, crashes, new days) make their own small runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SESSION_PEOPLE = "300"
SESSION_SEED = "7"


def run_cdp(
    home: Path, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """The `cdp` command as a user runs it, on its own state folder."""
    env = {
        **os.environ,
        "CDP_HOME": str(home),
        "CDP_PEOPLE": SESSION_PEOPLE,
        "CDP_SEED": SESSION_SEED,
        **(extra_env or {}),
    }
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def cdp_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdp_home")


@pytest.fixture(scope="session")
def nightly_run(cdp_home: Path) -> subprocess.CompletedProcess:
    """`cdp run` on the session's population; every test reading the warehouse depends on it."""
    result = run_cdp(cdp_home, "run")
    assert result.returncode == 0, f"cdp run failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="session")
def built_warehouse(nightly_run, cdp_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session's warehouse after the nightly run."""
    con = duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()
