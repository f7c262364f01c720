"""The console on a state folder: its users added the way an admin adds them, served as `cdp console` is."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cdp_orchestration.console.app import create_app
from cdp_orchestration.console.store import ConsoleStore
from cdp_orchestration.console.users import add_user as add_user_in_process
from tests.conftest import REPO_ROOT, cdp_environment

PASSWORD = "correct horse battery staple"
# One user per role, named for it.
ROLE_USERS = {"admin": "ada", "analyst": "ali", "marketer": "mia"}


def add_user(home: Path, name: str, role: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    """`cdp console add-user NAME --role ROLE --password-stdin`, the password on standard input."""
    env = {**os.environ, **cdp_environment(home)}
    return subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.cli", "console", "add-user", name, "--role", role,
         "--password-stdin"],
        input=password + "\n", cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def campaign_panel(name: str) -> list[dict[str, str]]:
    """The overview's campaign panel as a new marketer `name` sees it, served in-process on the home this process's
    CDP settings point at: a row a campaign, column heading → the cell's text."""
    add_user_in_process(ConsoleStore(), name, "marketer", PASSWORD)
    with TestClient(create_app(), follow_redirects=False) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login", follow_redirects=True).text)
        client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)})
        page = client.get("/overview")
    assert page.status_code == 200, page.text[-2000:]
    panel = page.text[page.text.index('id="campaigns"') :].split("</section>")[0]

    def text(cells: str, tag: str) -> list[str]:
        return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", cells, re.S)]

    header = text(panel, "th")
    return [dict(zip(header, text(row, "td"), strict=True)) for row in re.findall(r"<tr>(.*?)</tr>", panel, re.S)
            if "<td" in row]  # fmt: skip


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(home: Path, log: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`cdp console --port P` in its own process group until the block ends; yields its base URL."""
    port = free_port()
    env = {**os.environ, **cdp_environment(home), **(extra_env or {})}
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "cdp_orchestration.cli", "console", "--port", str(port)],
            cwd=REPO_ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"cdp console exited: {log.read_text()[-3000:]}"
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"cdp console did not answer: {log.read_text()[-3000:]}"
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def console_users(home_copy: Path) -> dict[str, str]:
    """One user per role on the module's copy of the session's populated home."""
    for role, name in ROLE_USERS.items():
        result = add_user(home_copy, name, role)
        assert result.returncode == 0, result.stderr
    return ROLE_USERS


@pytest.fixture(scope="module")
def console_url(home_copy: Path, console_users, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on the module's copy of the session's home (a pseudonymised analytics copy, the default)."""
    yield from serve(home_copy, tmp_path_factory.mktemp("console_log") / "console.log")
