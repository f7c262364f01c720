"""Faults on the wire and crashes mid-load still end in exactly the source's data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator import running_simulator
from tests.ingest.helpers import expected_counts, load_all, warehouse_counts

PEOPLE, SEED = 150, 5


def test_a_load_through_faults_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """429s with Retry-After, 5xx, slow answers, timeouts and cut-off bodies: retried, never doubled."""
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    # A timeout fault waits longer than the client does, so the client really times out and retries.
    monkeypatch.setenv("CDP_FAULT_TIMEOUT_SECONDS", "2")
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, faults=0.2, in_thread=True) as base_url:
        load_all(base_url, request_timeout=1.0)
    expected = expected_counts(tmp_path)
    counts = warehouse_counts(tmp_path / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    assert all(rows == ids for rows, ids in counts.values())


LOAD_SCRIPT = """
import sys
from tests.ingest.helpers import load_all
load_all(sys.argv[1])
"""


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the load ended before the kill point"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


# Kill points: while Square is extracting (Shopify already loaded), while Shopify's first package loads, and while the
# web events' package loads (every API source already loaded).
KILL_POINTS = ["dlt/cdp_square", "dlt/cdp_shopify/load/normalized", "dlt/cdp_web/load/normalized"]


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_load_killed_midway_then_rerun_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_point: str):
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, in_thread=True) as base_url:
        loader = subprocess.Popen(
            [sys.executable, "-c", LOAD_SCRIPT, base_url], env={**os.environ}, cwd=Path(__file__).resolve().parents[2]
        )
        wait_for(tmp_path / kill_point, loader)
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        load_all(base_url)
    expected = expected_counts(tmp_path)
    counts = warehouse_counts(tmp_path / "warehouse.duckdb", list(expected))
    assert {t: rows for t, (rows, _) in counts.items()} == expected
    assert all(rows == ids for rows, ids in counts.values())
