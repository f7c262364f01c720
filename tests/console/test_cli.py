"""`cdp console` as an admin types it: adding users, and serving beyond loopback only behind TLS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO_ROOT, cdp_environment
from tests.console.conftest import add_user, free_port


def test_add_user_reads_the_password_from_stdin_and_refuses_a_weak_one_or_a_taken_name(tmp_path: Path) -> None:
    added = add_user(tmp_path, "ana", "admin")
    assert added.returncode == 0 and "Added admin ana" in added.stdout
    weak = add_user(tmp_path, "bob", "analyst", password="short")
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    taken = add_user(tmp_path, "ana", "marketer")
    assert taken.returncode == 2 and "already exists" in taken.stderr
    assert "short" not in weak.stdout + weak.stderr  # the password is never echoed


def test_serving_beyond_loopback_says_how_to_put_tls_in_front_and_marks_cookies_secure(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, **cdp_environment(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cdp_orchestration.cli", "console", "--host", "0.0.0.0", "--port", str(port)],
        cwd=REPO_ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as answer:
                    cookie = answer.headers["set-cookie"]
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the console did not start"
                time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        printed = server.communicate(timeout=30)[0]
    assert "TLS-terminating reverse proxy" in printed and "caddy reverse-proxy" in printed
    assert "secure" in cookie.lower() and "samesite=strict" in cookie.lower() and "httponly" in cookie.lower()
