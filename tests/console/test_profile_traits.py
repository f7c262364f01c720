"""The profile page shows the newer traits on the (pseudonymised) analytics copy: a loyalty member's points and their
last NPS answer, as the simulator's own loyalty account and survey answers hold them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
from starlette.testclient import TestClient

from cdp_orchestration.console.app import create_app
from cdp_orchestration.console.i18n import Localizer
from cdp_orchestration.console.store import ConsoleStore
from cdp_orchestration.console.users import add_user
from simulator.ids import hubspot_contact_id, square_customer_id
from simulator.model import World
from tests.console.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _customer_with_one_account_and_an_nps_answer(home: Path, world: World) -> tuple[str, int, int]:
    """(customer ID, the account's balance, their last NPS score), by the simulator's records and identity's map."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        customer_of = {
            (system, record): customer
            for system, record, customer in con.sql(
                "select source_system, source_record_id, customer_id from marts.customer_id_map"
            ).fetchall()
        }
    balances: dict[str, list[int]] = {}
    for account in world.loyalty_accounts:
        balances.setdefault(customer_of[("square", square_customer_id(account.customer.seq))], []).append(
            account.balance
        )
    last_nps: dict[str, tuple[int, int, int]] = {}
    for answer in world.feedback:
        customer = customer_of[("hubspot", hubspot_contact_id(answer.contact.seq))]
        if answer.survey == "NPS" and (answer.submitted, answer.seq) > last_nps.get(customer, (0, 0, 0))[:2]:
            last_nps[customer] = (answer.submitted, answer.seq, answer.value)
    customer = min(c for c, held in balances.items() if len(held) == 1 and c in last_nps)
    return customer, balances[customer][0], last_nps[customer][2]


def test_the_profile_shows_points_and_the_last_nps_answer(
    home_copy: Path, in_home: Callable[[Path], None], session_world: World
) -> None:
    in_home(home_copy)
    add_user(ConsoleStore(), "profile_reader", "analyst", PASSWORD)
    customer, balance, score = _customer_with_one_account_and_an_nps_answer(home_copy, session_world)
    with TestClient(create_app(), follow_redirects=False) as client:
        token = TOKEN.search(client.get("/login", follow_redirects=True).text).group(1)
        client.post("/login", data={"name": "profile_reader", "password": PASSWORD, "csrf_token": token})
        page = client.get(f"/customers/{customer}", follow_redirects=True)
    assert page.status_code == 200, page.text[-2000:]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    points = Localizer("en").number(balance)
    assert f"Points balance / lifetime {points} /" in text, text[text.find("Loyalty, feedback") :][:600]
    assert f"Last NPS answer {score} (" in text


def test_the_profile_lists_the_browsers_tied_to_them_with_the_events_that_tied_them(
    home_copy: Path, in_home: Callable[[Path], None]
) -> None:
    in_home(home_copy)
    add_user(ConsoleStore(), "ties_reader", "analyst", PASSWORD)
    with duckdb.connect(str(home_copy / "warehouse.duckdb"), read_only=True) as con:
        customer, events = con.sql("""
            select records.customer_id, list(evidence.tied_by_event_id order by evidence.tied_by_event_id)
            from identity.match_evidence as evidence
            inner join marts.customer_id_map as records on evidence.record_id_l = records.record_id
            where evidence.client_id is not null
            group by records.customer_id
            order by count(*) desc, records.customer_id
            limit 1
        """).fetchall()[0]
    with TestClient(create_app(), follow_redirects=False) as client:
        token = TOKEN.search(client.get("/login", follow_redirects=True).text).group(1)
        client.post("/login", data={"name": "ties_reader", "password": PASSWORD, "csrf_token": token})
        page = client.get(f"/customers/{customer}", follow_redirects=True)
    assert page.status_code == 200, page.text[-2000:]
    section = page.text[page.text.find("Browsers tied to them") :]
    assert events and all(event in section for event in events), section[:1500]
