"""The console's locks, without a browser or a night: passwords, sessions, CSRF, throttling, roles, masking."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import itsdangerous
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from cdp_orchestration.console.access import ROLES
from cdp_orchestration.console.app import SESSION_COOKIE, SESSION_SECONDS, create_app
from cdp_orchestration.console.disclosure import Disclosure, How, mask_email, mask_phone
from cdp_orchestration.console.passwords import hash_password, verify_password
from cdp_orchestration.console.store import ConsoleStore
from cdp_orchestration.console.throttle import MAX_FAILURES_PER_NAME, WINDOW_SECONDS, Throttle
from cdp_orchestration.console.users import add_user
from tests.console.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def home(tmp_path: Path, in_home: Callable[[Path], None]) -> Path:
    """An empty CDP home (no night has run) with one user per role."""
    in_home(tmp_path)
    store = ConsoleStore()
    for role in ROLES:
        add_user(store, role, role, PASSWORD)
    return tmp_path


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(), follow_redirects=False) as client:
        yield client


def token(client: TestClient, path: str = "/login") -> str:
    return TOKEN.search(client.get(path, follow_redirects=True).text).group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token(client)})


def test_passwords_are_memory_hard_hashes_that_verify_only_the_right_password() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$32768$8$1$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "!", stored)
    assert not verify_password(PASSWORD, None)  # no such user: same work, same answer as a wrong password
    assert hash_password(PASSWORD) != stored  # salted
    with pytest.raises(ValueError, match="at least 10 characters"):
        hash_password("short")


def test_the_store_is_the_owners_alone(home: Path) -> None:
    assert (home / "console").stat().st_mode & 0o777 == 0o700
    assert (home / "console" / "console.sqlite").stat().st_mode & 0o777 == 0o600


def test_pages_need_a_login(client: TestClient) -> None:
    answer = client.get("/overview")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/static/plotly.min.js").status_code == 200  # served by the console itself, no CDN


def test_a_wrong_password_is_refused_and_the_right_one_lets_in(client: TestClient) -> None:
    assert log_in(client, "marketer", "not the password").status_code == 401
    answer = log_in(client, "marketer")
    assert answer.status_code == 303 and answer.headers["location"] == "/overview"
    page = client.get("/overview")
    assert page.status_code == 503 and "No data yet" in page.text  # logged in; no night has run in this home


def test_every_form_needs_the_sessions_csrf_token(client: TestClient) -> None:
    log_in(client, "admin")
    posts = [r for r in client.app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 9
    for route in posts:
        path = route.path.replace("{customer_id}", "cus_1").replace("{name}", "marketer")
        for form in ({}, {"csrf_token": "forged"}):
            answer = client.post(path, data=form)
            assert answer.status_code == 403 and "This form has expired" in answer.text, (path, form)


def test_a_tampered_or_expired_session_cookie_is_refused(client: TestClient, home: Path) -> None:
    log_in(client, "admin")
    assert client.get("/admin/users").status_code == 200
    cookie = client.cookies[SESSION_COOKIE]
    data, stamp, signature = cookie.split(".")
    session = json.loads(base64.b64decode(data))
    forged = base64.b64encode(json.dumps({**session, "user": "admin"}).encode()).decode()
    client.cookies.set(SESSION_COOKIE, f"{forged}.{stamp}.{signature[::-1]}")
    assert client.get("/admin/users").status_code == 303

    class Yesterday(itsdangerous.TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - SESSION_SECONDS - 60

    expired = Yesterday(ConsoleStore().session_key()).sign(data.encode()).decode()
    client.cookies.set(SESSION_COOKIE, expired)
    assert client.get("/admin/users").status_code == 303


def test_changing_a_users_role_ends_their_sessions(client: TestClient) -> None:
    log_in(client, "analyst")
    assert client.get("/identity").status_code == 503  # allowed (no data yet)
    ConsoleStore().update_user("analyst", role="marketer")
    assert client.get("/identity").status_code == 303


def test_logins_are_throttled_per_user_name(client: TestClient) -> None:
    for _ in range(MAX_FAILURES_PER_NAME):
        assert log_in(client, "admin", "guess guess guess").status_code == 401
    refused = log_in(client, "admin")  # the right password, too late
    assert refused.status_code == 429 and "Too many failed attempts" in refused.text
    assert log_in(client, "analyst").status_code == 303  # another name from the same address still may


def test_throttling_ends_when_the_failures_leave_the_window(home: Path) -> None:
    store = ConsoleStore()
    throttle = Throttle(store, store.session_key())
    start = 1_000_000.0
    for i in range(MAX_FAILURES_PER_NAME):
        throttle.failed("Admin ", "10.0.0.1", now=start + i)
    assert throttle.retry_after("admin", "10.0.0.2", now=start + 10) > 0  # same name, however typed
    assert throttle.retry_after("admin", "10.0.0.2", now=start + WINDOW_SECONDS + 1) == 0
    throttle.succeeded("admin", "10.0.0.1")
    assert throttle.retry_after("admin", "10.0.0.1", now=start + 10) == 0


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("marketer", ["/overview", "/customers", "/segments"], ["/identity", "/admin/users", "/admin/audit"]),
        ("analyst", ["/overview", "/identity"], ["/admin/users", "/admin/audit", "/customers/cus_1/forget"]),
        ("admin", ["/identity", "/admin/users", "/admin/audit"], []),
    ],
)
def test_each_role_reaches_its_pages_only(client: TestClient, role: str, allowed: list, refused: list) -> None:
    log_in(client, role)
    for path in allowed:
        assert client.get(path).status_code in (200, 503), path
    for path in refused:
        answer = client.get(path)
        assert answer.status_code == 403 and "Not allowed" in answer.text, path


def test_privacy_requests_are_refused_to_marketers_even_with_a_valid_form(client: TestClient) -> None:
    log_in(client, "marketer")
    form = {"csrf_token": token(client, "/customers"), "confirm": "cus_1"}
    for path in ("/customers/cus_1/forget", "/customers/cus_1/export"):
        answer = client.post(path, data=form)
        assert answer.status_code == 403 and "Not allowed" in answer.text
    assert not [e for e in ConsoleStore().audit_entries() if e.action in ("forget", "export_person")]


def test_pages_forbid_framing_inline_scripts_and_caching(client: TestClient) -> None:
    answer = client.get("/login")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"


def test_contact_details_are_masked_for_marketers_and_hidden_behind_a_pseudonymised_copy() -> None:
    assert mask_email("john.doe@gmail.com") == "j***@gmail.com"
    assert mask_phone("+6281234567890") == "+***********90"
    full, marketer = Disclosure(False, True), Disclosure(False, False)
    analyst_hashed, marketer_hashed = Disclosure(True, True), Disclosure(True, False)
    email = "john.doe@gmail.com"
    assert full.email(email).text == email
    assert (marketer.email(email).text, marketer.email(email).how) == ("j***@gmail.com", How.MASKED)
    assert marketer.private("1 Main Street").how == How.HIDDEN
    assert marketer.full_name("John", "Doe") == "John D."
    hashed = "665eab84fa9259cd4371d7fdf671da3c939c5e286d28008a1ef56b9ea8ecae92"
    assert analyst_hashed.email(hashed).text == hashed[:10]
    assert marketer_hashed.email(hashed).how == How.HIDDEN and marketer_hashed.full_name(hashed, hashed) is None
    assert full.email(None).how == How.ABSENT
