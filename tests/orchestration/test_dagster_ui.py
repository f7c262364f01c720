"""`dagster dev` from the repository root, with no configuration, shows the CDP's asset graph in a browser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.long_scenario  # `make test-scenarios`, not `make test`

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a headless Chromium on a machine with no network but loopback.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The lineage reads left to right: loads, models, identity, marts, segments, exports, the analysts' copy.
EXPECTED_GROUPS = ["ingest", "staging", "intermediate", "identity", "marts", "segments", "exports", "publish"]


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


def dismiss_welcome(page) -> None:
    """Dagster's first-visit community dialog covers the page a moment after it loads: skip it if it comes."""
    try:
        page.get_by_role("button", name="Skip").click(timeout=10_000)
    except PlaywrightTimeout:
        pass


RUNS_QUERY = b'{"query": "{ runsOrError { ... on Runs { results { status } } } }"}'
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def wait_for_run(graphql_url: str, process: subprocess.Popen, timeout: float = 420) -> str:
    """The status of the first run launched from the UI, once it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "dagster dev exited during the run"
        request = urllib.request.Request(graphql_url, data=RUNS_QUERY, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            runs = json.load(answer)["data"]["runsOrError"]["results"]
        if runs and runs[-1]["status"] in FINISHED:
            return runs[-1]["status"]
        time.sleep(3)
    raise AssertionError(f"the run launched from the UI did not finish within {timeout} s")


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it where apt-get runs)"
)
def test_the_ui_shows_the_asset_graph(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "CDP_HOME": str(tmp_path / "home"), "CDP_PEOPLE": "150"}
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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/asset-groups", wait_until="networkidle")
            for group in EXPECTED_GROUPS:
                page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
            dismiss_welcome(page)
            page.goto(f"http://127.0.0.1:{port}/assets/marts/customer_360", wait_until="networkidle")
            page.get_by_text("customer_360").first.wait_for(timeout=60_000)
            # The asset belongs to the nightly job and its 02:00 schedule.
            page.get_by_text("nightly", exact=True).first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "customer_360.png"))
            # "Materialize all" with no configuration: the simulator starts by itself and the run succeeds.
            page.goto(f"http://127.0.0.1:{port}/asset-groups", wait_until="networkidle")
            dismiss_welcome(page)
            page.get_by_role("button", name="Materialize all").click()
            status = wait_for_run(f"http://127.0.0.1:{port}/graphql", dev)
            browser.close()
        assert status == "SUCCESS", (tmp_path / "dev.log").read_text()[-3000:]
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
