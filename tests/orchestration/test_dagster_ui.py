"""`dagster dev` from the repository root, with no configuration, shows the CDP's asset graph in a browser."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a headless Chromium on a machine with no network but loopback (see the README's tests section).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECTED_ASSETS = ["customer_360", "int_person_records", "customer_assignments", "fct_orders"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "dagster dev exited early"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"dagster dev did not answer at {url} within {timeout} s")


def rendered_page(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran (the UI loads the graph over GraphQL)."""
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=30000", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it where apt-get runs)"
)
def test_the_ui_shows_the_asset_graph(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "CDP_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_HOME", None)
    # Its own session, stopped with SIGINT to the group: SIGTERM leaves dagster's children behind.
    dev = subprocess.Popen(
        [sys.executable, "-m", "cdp_orchestration.cli", "dev", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        start_new_session=True,
        stdout=open(tmp_path / "dev.log", "w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/server_info", dev)
        missing = EXPECTED_ASSETS
        for _ in range(5):  # the code location loads after the server answers
            dom = rendered_page(f"http://127.0.0.1:{port}/assets", Path(tempfile.mkdtemp(dir=tmp_path)))
            missing = [name for name in EXPECTED_ASSETS if name not in dom]
            if not missing:
                break
            time.sleep(3)
        assert not missing, f"not in the asset catalog: {missing}\n{(tmp_path / 'dev.log').read_text()[-3000:]}"
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
