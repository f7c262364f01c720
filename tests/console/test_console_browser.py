"""The console in Chromium against the session's populated run: who sees what, search, profiles, charts, escaping,
languages, identity decisions and privacy requests.

The console runs as `cdp console` does (a subprocess on a free port, stopped by its process group) on a copy of the
session's state folder; what it shows is checked against the simulator's truth and the warehouse itself.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import REPO_ROOT, cdp_environment
from tests.console.conftest import PASSWORD, ROLE_USERS, add_user, serve
from tests.orchestration.test_dagster_ui import CHROMIUM, CHROMIUM_FLAGS
from tests.privacy.test_hostile_input import HOSTILE

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it where apt-get runs)"
)
SCRIPT_NAME = "<script>alert(1)</script>"
ATTRIBUTE_BREAKER = '"><img src=x onerror=alert(2)>'
# Messages of the dialogs (alert, confirm) any page opened: a planted script that ran.
DIALOGS: list[str] = []


@pytest.fixture(autouse=True)
def no_script_runs() -> Iterator[None]:
    DIALOGS.clear()
    yield
    assert not DIALOGS, f"a script ran in the console: {DIALOGS}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def logged_in(browser: Browser, base: str, role: str) -> Page:
    """A fresh browser context logged in as the module's user of `role`; any dialog (an alert) fails the test."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    page.on("dialog", lambda dialog: (DIALOGS.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/login")
    page.fill("input[name=name]", ROLE_USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/overview")
    return page


def warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def truth_person(home_copy: Path) -> tuple[str, str, list[str]]:
    """(customer ID, an email as a person types it, the person's record IDs per truth.csv) for a person of the
    simulator with records in several systems, all of them, and only them, in one customer."""
    truth = home_copy / "simulator" / "truth.csv"
    with warehouse(home_copy) as con:
        customer_id, email, records = con.execute(f"""
            with truth as (
                select person_id, source_system || ':' || source_record_id as record_id
                from read_csv('{truth}', all_varchar = true)),
            people as (
                select t.person_id, any_value(m.customer_id) as customer_id,
                       count(distinct m.customer_id) as customers, bool_and(m.customer_id is not null) as resolved,
                       count(distinct split_part(t.record_id, ':', 1)) as sources,
                       list(t.record_id order by t.record_id) as records
                from truth as t left join marts.customer_id_map as m using (record_id) group by t.person_id),
            sizes as (select customer_id, count(*) as records from marts.customer_id_map group by 1)
            select people.customer_id, upper(min(p.email)), any_value(people.records)
            from people join sizes using (customer_id)
            join intermediate.int_person_records as p on list_contains(people.records, p.record_id)
            where people.customers = 1 and people.resolved and people.sources >= 2
              and sizes.records = len(people.records) and p.email is not null
            group by people.customer_id, people.person_id order by people.person_id limit 1
        """).fetchall()[0]
    return customer_id, email, records


def test_each_role_sees_its_pages_and_is_refused_the_others(browser: Browser, console_url: str) -> None:
    expected = {
        "admin": ["Overview", "Customers", "Segments", "Identity", "Users", "Audit log"],
        "analyst": ["Overview", "Customers", "Segments", "Identity"],
        "marketer": ["Overview", "Customers", "Segments"],
    }
    refused = {"analyst": ["/admin/users", "/admin/audit"], "marketer": ["/identity", "/admin/users", "/admin/audit"]}
    for role, links in expected.items():
        page = logged_in(browser, console_url, role)
        assert page.locator("header nav a").all_inner_texts() == links, role
        for path in refused.get(role, []):
            answer = page.goto(f"{console_url}{path}")
            assert answer.status == 403 and page.locator("h1").inner_text() == "Not allowed", (role, path)
        page.context.close()


def test_a_marketer_cannot_forget_anyone_even_by_posting_the_form(
    browser: Browser, console_url: str, home_copy: Path, truth_person
) -> None:
    customer_id = truth_person[0]
    page = logged_in(browser, console_url, "marketer")
    page.goto(f"{console_url}/customers/{customer_id}")
    assert page.locator("text=Forget this person").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for path in (f"/customers/{customer_id}/forget", f"/customers/{customer_id}/export"):
        answer = page.request.post(f"{console_url}{path}", form={"csrf_token": token, "confirm": customer_id})
        assert answer.status == 403, path
    page.context.close()
    with warehouse(home_copy) as con:
        kept = con.execute("select count(*) from marts.customer_id_map where customer_id = ?", [customer_id])
        assert kept.fetchall()[0][0] == len(truth_person[2])


def test_search_finds_a_person_of_the_truth_and_the_profile_lists_exactly_their_records_and_segments(
    browser: Browser, console_url: str, home_copy: Path, truth_person, tmp_path: Path
) -> None:
    customer_id, email, records = truth_person
    page = logged_in(browser, console_url, "marketer")
    page.goto(f"{console_url}/customers")
    page.fill("input[name=q]", email)
    page.click("form.search button[type=submit]")
    assert page.url == f"{console_url}/customers"  # POSTed: the email is in no address
    page.click(f"table.results a[href='/customers/{customer_id}']")
    page.wait_for_url(f"{console_url}/customers/{customer_id}")
    shown = page.locator("#source-records tbody tr").evaluate_all("rows => rows.map(r => r.dataset.recordId)")
    assert sorted(shown) == sorted(records)
    with warehouse(home_copy) as con:
        stays = con.execute("select segment from marts.segment_history where customer_id = ?", [customer_id])
        segments = sorted(segment for (segment,) in stays.fetchall())
    assert sorted(page.locator("#segments tbody td:first-child a").all_inner_texts()) == segments
    # The copy is pseudonymised: a marketer sees no contact detail, not even a hash.
    assert email.lower() not in page.content().lower()
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
    page.context.close()


def test_the_overview_charts_render_with_data(browser: Browser, console_url: str, tmp_path: Path) -> None:
    page = logged_in(browser, console_url, "marketer")
    page.goto(f"{console_url}/overview", wait_until="networkidle")
    charts = page.locator("[data-figure]")
    assert charts.count() >= 7
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.locator("svg.main-svg").first.wait_for()
        page.wait_for_function("el => el.dataset.drawn === 'true'", arg=chart.element_handle())
        drawn = chart.evaluate("el => el.querySelectorAll('g.trace path, g.point path').length")
        assert drawn > 0, chart.get_attribute("aria-label")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.context.close()


def test_switching_language_changes_the_page_text(browser: Browser, console_url: str) -> None:
    page = logged_in(browser, console_url, "analyst")
    assert page.locator("h1").inner_text() == "Overview"
    try:
        for locale, heading, link in (("pl", "Przegląd", "Klienci"), ("id", "Ringkasan", "Pelanggan"),
                                      ("vi", "Tổng quan", "Khách hàng")):  # fmt: skip
            page.select_option("#locale", locale)
            page.wait_for_function(f"document.documentElement.lang === '{locale}'")
            assert page.locator("h1").inner_text() == heading
            assert link in page.locator("header nav").inner_text()
    finally:
        page.select_option("#locale", "en")
        page.wait_for_function("document.documentElement.lang === 'en'")
    page.context.close()


def test_an_analysts_decision_lands_in_the_overrides_the_next_night_reads(
    browser: Browser, console_url: str, home_copy: Path, truth_person, in_home: Callable[[Path], None]
) -> None:
    from resolution import override_files, read_overrides

    customer_id = truth_person[0]
    page = logged_in(browser, console_url, "analyst")
    page.goto(f"{console_url}/customers/{customer_id}")
    pair = page.locator("form.decision").first
    left = pair.locator("input[name=record_id_l]").get_attribute("value")
    right = pair.locator("input[name=record_id_r]").get_attribute("value")
    pair.locator("input[name=reason]").fill("twins sharing a phone")
    pair.locator("button").click()
    page.wait_for_url(f"{console_url}/customers/{customer_id}")
    assert "the next nightly run applies it" in page.locator(".flash").inner_text()
    page.context.close()
    in_home(home_copy)
    _, cannot = read_overrides(*override_files())
    assert (left, right) in cannot and {left, right} <= set(truth_person[2])


def test_admins_export_and_forget_a_person_through_the_privacy_library(
    browser: Browser, console_url: str, home_copy: Path, truth_person, tmp_path: Path
) -> None:
    with warehouse(home_copy) as con:
        customer_id, records = con.execute(
            "select customer_id, count(*) from marts.customer_id_map where customer_id != ? "
            "group by 1 having count(*) >= 2 order by 1 limit 1",
            [truth_person[0]],
        ).fetchall()[0]
    page = logged_in(browser, console_url, "admin")
    page.goto(f"{console_url}/customers/{customer_id}")
    with page.expect_download() as download:
        page.click("text=Export this person's data (JSON)")
    document = json.loads(Path(download.value.path()).read_text())
    assert document["customer_ids"] == [customer_id]
    assert sum(len(rows) for rows in document["source_records"].values()) == records

    page.click("text=Forget this person…")
    page.fill("input[name=confirm]", "not the id")
    page.click("form button.danger")
    assert "does not match" in page.locator(".error").inner_text()
    page.fill("input[name=confirm]", customer_id)
    page.click("form button.danger", timeout=120_000)
    page.wait_for_selector("text=Forgotten", timeout=180_000)
    with warehouse(home_copy) as con:
        left = con.execute("select count(*) from marts.customer_id_map where customer_id = ?", [customer_id])
        assert left.fetchall()[0][0] == 0
    answer = page.goto(f"{console_url}/customers/{customer_id}")
    assert answer.status == 404 and "erased by a privacy request" in page.locator("main").inner_text()

    page.goto(f"{console_url}/admin/audit")
    rows = page.locator("#audit tbody tr").all_inner_texts()
    assert any("forget" in row and customer_id in row and ROLE_USERS["admin"] in row for row in rows)
    assert any("export_person" in row and customer_id in row for row in rows)
    page.context.close()
    with sqlite3.connect(home_copy / "console" / "console.sqlite") as store:
        logged = store.execute("select actor, action, customer_id, coalesce(detail, '') from audit_log").fetchall()
    assert {(ROLE_USERS["marketer"], "view_profile", truth_person[0])} <= {row[:3] for row in logged}
    assert not any("@" in value for row in logged for value in row if value)  # no contact details


@pytest.fixture(scope="module")
def hostile_console(
    nightly_run, cdp_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The console on a copy of the session's home whose first customers carry hostile names (those of the
    hostile-input population, and HTML that would run a script), published with personal data in full so names and
    contact details are in the copy. Yields its URL, customer ID → planted name, and the home."""
    home = tmp_path_factory.mktemp("hostile_console") / "home"
    shutil.copytree(cdp_home, home)
    names = [SCRIPT_NAME, ATTRIBUTE_BREAKER, *HOSTILE[:6]]
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        customers = [c for (c,) in con.sql("select customer_id from marts.customer_360 order by 1").fetchall()]
        planted = dict(zip(customers, names, strict=False))
        for customer_id, name in planted.items():
            con.execute("update marts.customer_360 set first_name = ?, last_name = ? where customer_id = ?",
                        [name, name[::-1], customer_id])  # fmt: skip
            con.execute(
                "update intermediate.int_person_records set first_name = ? where record_id in "
                "(select record_id from marts.customer_id_map where customer_id = ?)",
                [name, customer_id],
            )
    full = {"CDP_ANALYTICS_PII": "full"}
    env = {**os.environ, **cdp_environment(home), **full}
    republish = (
        "from cdp_orchestration.transform.project import classification; from privacy import publish_copy; "
        "publish_copy(classification())"
    )
    subprocess.run([sys.executable, "-c", republish], cwd=REPO_ROOT, env=env, check=True, timeout=300)
    for role, name in ROLE_USERS.items():
        assert add_user(home, name, role).returncode == 0
    for url in serve(home, home.parent / "console.log", full):
        yield url, planted, home


def test_a_hostile_name_renders_as_text(browser: Browser, hostile_console, tmp_path: Path) -> None:
    url, planted, _ = hostile_console
    page = logged_in(browser, url, "analyst")
    page.goto(f"{url}/customers")
    page.fill("input[name=q]", SCRIPT_NAME)
    page.click("form.search button[type=submit]")
    result = page.locator("table.results tbody tr td a").first
    assert result.inner_text() == f"{SCRIPT_NAME} {SCRIPT_NAME[::-1]}"
    result.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith(f"{SCRIPT_NAME} {SCRIPT_NAME[::-1]}")
    assert page.locator("#source-records td.name").first.inner_text().startswith(SCRIPT_NAME)
    page.screenshot(path=str(tmp_path / "hostile_profile.png"), full_page=True)
    # Every planted name stays text on its profile (a dialog would have failed the test already).
    for customer_id in planted:
        assert page.goto(f"{url}/customers/{customer_id}").status == 200
        assert page.evaluate("document.querySelectorAll('main script, main img, main [onerror]').length") == 0
    page.goto(f"{url}/identity", wait_until="networkidle")
    page.context.close()


def test_marketers_see_contact_details_masked_and_analysts_as_the_copy_holds_them(
    browser: Browser, hostile_console
) -> None:
    url, _, home = hostile_console
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        customer_id, email, phone = con.sql(
            "select customer_id, email, phone from marts.customer_360 "
            "where email like '%@%' and phone is not null order by customer_id limit 1"
        ).fetchall()[0]
    local, domain = email.split("@")
    seen = {}
    for role in ("marketer", "analyst"):
        page = logged_in(browser, url, role)
        page.goto(f"{url}/customers/{customer_id}")
        seen[role] = page.locator("main").inner_text()
        page.context.close()
    assert f"{local[0]}***@{domain}" in seen["marketer"] and email not in seen["marketer"]
    assert phone not in seen["marketer"] and phone[-2:] in seen["marketer"]
    assert email in seen["analyst"] and phone in seen["analyst"]
