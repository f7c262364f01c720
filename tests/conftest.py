"""One small populated warehouse per test session, built by the real nightly run, for many tests to read.

Tests that change state (a sync, a forget, a new night) work on a copy of it (`home_copy`); scenario tests that need
a population of their own (faults, crashes, hostile input) make their own small runs.

`make test` runs the suite on every core (pytest-xdist): each module runs whole on one worker, so its module-scoped
nights are made once, and the session's night is made once for all workers (the first to need it makes it, under a
file lock, the others read it). Modules sharing a session fixture of their own run together (`SHARED_FIXTURES`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from filelock import FileLock

from simulator import SimState, generate
from simulator.model import World
from warehouse.paths import DBT_PROJECT_DIR

REPO_ROOT = Path(__file__).resolve().parent.parent
SESSION_PEOPLE = "300"
SESSION_SEED = "7"
SESSION_HASH_KEY = "5e55104c" * 8  # 64 hex digits, as warehouse.keys writes a key
# Bytes that are not UTF-8 are a fault no real source sends; the session asks for them so that the whole night is
# checked to carry such records through (tests/ingest/test_encoding.py).
SESSION_MALFORMED_OPT_IN = "invalid_utf8"


def cdp_environment(home: Path, people: str = SESSION_PEOPLE, seed: str = SESSION_SEED) -> dict[str, str]:
    """The settings of a CDP whose state is `home` (CONTRACT §1), for the session's population unless told."""
    return {
        "CDP_HOME": str(home),
        "CDP_PEOPLE": people,
        "CDP_SEED": seed,
        "CDP_FAULTS": "0",
        "CDP_MALFORMED_OPT_IN": SESSION_MALFORMED_OPT_IN,
    }


def run_cdp(
    home: Path, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """The `cdp` command as a user runs it, on its own state folder."""
    env = {**os.environ, **cdp_environment(home), **(extra_env or {})}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_night(home: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`cdp run` into `home`; fails the test with the run's own output when the night fails."""
    return succeeded(run_cdp(home, "run", extra_env=extra_env), home)


def succeeded(night: subprocess.CompletedProcess, home: Path) -> subprocess.CompletedProcess:
    """The night, once shown to have succeeded; fails the test with the run's own output when it did not."""
    assert night.returncode == 0, f"cdp run into {home} failed:\n{night.stdout[-4000:]}\n{night.stderr[-4000:]}"
    return night


def run_dbt(home: Path, target: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """dbt as an engineer runs it by hand on `home`'s warehouse, writing its manifest and results to `target`; fails
    the test with dbt's own output when it fails."""
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), *args, "--target-path", str(target), "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **cdp_environment(home)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


def plant_hash_key(home: Path) -> None:
    """The session's hash key as a new `home`'s key, where warehouse.keys would draw a random one on first use."""
    key = home / "secrets" / "hash_key"
    key.parent.mkdir(mode=0o700, parents=True)
    key.write_text(SESSION_HASH_KEY)
    key.chmod(0o600)


# Modules that share a session fixture of their own run on one worker, so that it is made once.
SHARED_FIXTURES = {
    module: fixture
    for fixture, modules in {
        "planted_night": ("test_analytics_copy.py", "test_forget_reach.py", "test_forget_scope.py"),
    }.items()
    for module in (f"tests/privacy/{name}" for name in modules)
}


# The longest modules (most of them run nights of their own), longest first as `--durations` measured them: they
# start first, so that the workers end together on short modules rather than one waiting for the other's last long
# module. Of the first two that each make target runs, one does not read the session's night (the Dagster UI's, the
# planted night of the analytics copy's): one worker runs it while the other makes that night.
LONGEST_FIRST = (
    "tests/operations/test_lifeboat.py",
    "tests/orchestration/test_dagster_ui.py",
    "tests/orchestration/test_kill_points.py",
    "tests/exports/test_refusals.py",
    "tests/exports/test_holdouts.py",
    "tests/privacy/test_analytics_copy.py",
    "tests/orchestration/test_second_night.py",
    "tests/privacy/test_hostile_input.py",
    "tests/privacy/test_retention.py",
    "tests/predictive/test_random_purchases.py",
    "tests/exports/test_ad_audiences.py",
    "tests/exports/test_mailchimp.py",
    "tests/dbt/test_consent.py",
    "tests/console/test_console_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`LONGEST_FIRST` first, the other modules after them in their collected order."""
    rank = {module: place for place, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each module runs whole on one worker (its module-scoped nights are made once), modules that share a session
    fixture together, in the order collected (`LONGEST_FIRST`), not xdist's most-tests-first. (xdist's own
    `loadgroup` marks do not group tests under pytest 9: it renames a test by a private attribute that pytest 9 no
    longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return SHARED_FIXTURES.get(module, module)

    return ByModule(config, log)


def shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every worker of this test session sees (each worker's own is a folder inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def cdp_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = shared_temp(tmp_path_factory) / "cdp_home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture(scope="session")
def nightly_run(cdp_home: Path) -> subprocess.CompletedProcess:
    """`cdp run` on the session's population; every test reading the warehouse depends on it. The first worker to
    need it runs it, the others wait and read its outcome. The home gets a planted hash key first: holdout and
    control-group draws hash customers under it, so with the installation's random key each session would measure
    other campaign groups."""
    outcome = cdp_home.parent / "cdp_home.night.json"
    with FileLock(cdp_home.parent / "cdp_home.lock"):
        if not outcome.exists():
            plant_hash_key(cdp_home)
            result = run_cdp(cdp_home, "run")
            outcome.write_text(json.dumps(vars(result)))  # args, returncode, stdout, stderr
    return succeeded(subprocess.CompletedProcess(**json.loads(outcome.read_text())), cdp_home)


@pytest.fixture(scope="session")
def built_warehouse(nightly_run, cdp_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session's warehouse after the nightly run."""
    con = duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def session_world(nightly_run, cdp_home: Path) -> World:
    """The simulator's own world behind the session's warehouse: the truth its records, ledgers, survey answers and
    web visits are checked against."""
    state = SimState(**json.loads((cdp_home / "simulator" / "state.json").read_text()))
    return generate(state, opt_in=frozenset(SESSION_MALFORMED_OPT_IN.split(",")))


@pytest.fixture(scope="module")
def home_copy(nightly_run, cdp_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's populated state folder for one module's tests to change (sync, forget, new nights);
    the session's own stays as the nightly run left it."""
    home = tmp_path_factory.mktemp("home_copy") / "home"
    shutil.copytree(cdp_home, home)
    return home


@pytest.fixture
def in_home(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Points this process's CDP settings at a state folder, for a test calling the CDP's code in-process."""

    def enter(home: Path) -> None:
        for name, value in cdp_environment(home).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DAGSTER_HOME", raising=False)

    return enter
