"""Consent counts from the consent change, not from any edit (issue 14), judged on events planted in the simulator.

On a copy of the session's night, two customers who each hold one HubSpot contact and one Square record, both
subscribed, get planted changes on the next simulated day:
- the first unsubscribes in HubSpot at T1; at T2 > T1 their Square record gets a new address and keeps its old
  "subscribed" preference;
- the second unsubscribes in Square at T1; at T2 their HubSpot contact gets a new address and keeps its old
  not-opted-out flag.
For both, the latest consent event is the withdrawal at T1 (an address is no consent): after the next night neither is
email-contactable, the email tool's own store (the simulated Mailchimp) holds neither as subscribed and no Klaviyo
file holds them.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

from activation.config import load_destinations
from simulator import SimState, advance_day, generate
from simulator.config import now_ts
from simulator.ids import customer_record_id
from simulator.model import Customer
from simulator.planted import PlantedChange, write_planted
from tests.conftest import SESSION_MALFORMED_OPT_IN, run_night

DESTINATIONS = {d.name: d for d in load_destinations()}
KLAVIYO, MAILCHIMP = DESTINATIONS["klaviyo_lists"], DESTINATIONS["mailchimp"]
HOUR = 3600


def _world(home: Path, day: int) -> dict[tuple[str, str], Customer]:
    """The simulator's own records at `day`, by (system, source record ID), without planted changes."""
    state = SimState(**json.loads((home / "simulator" / "state.json").read_text()))
    world = generate(SimState(state.seed, state.people, day), opt_in=frozenset({SESSION_MALFORMED_OPT_IN}))
    return {(s, customer_record_id(s, r.seq)): r for s, records in world.customers.items() for r in records}


def _records(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict[str, str]:
    rows = con.execute(
        "select source_system, source_record_id from marts.customer_id_map where customer_id = ?", [customer_id]
    ).fetchall()
    return dict(rows)


def _mailchimp_status(home: Path, email: str) -> str | None:
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        (list_id,) = db.execute(
            "select id from lists where json_extract(body, '$.name') = ?", (MAILCHIMP.options["list_name"],)
        ).fetchone()
        statuses = [
            json.loads(body)["status"]
            for (body,) in db.execute("select json(body) from members where list_id = ?", (list_id,)).fetchall()
            if json.loads(body)["email_address"].lower() == email
        ]
    return statuses[0] if statuses else None


def _in_klaviyo_files(home: Path, email: str) -> bool:
    for path in (home / "exports" / KLAVIYO.name).glob("*.csv"):
        with path.open() as handle:
            if any((row["Email"] or "").lower() == email for row in csv.DictReader(handle)):
                return True
    return False


@pytest.fixture(scope="module")
def planted(home_copy: Path) -> dict[str, dict]:
    """Two customers chosen from the first night, their planted changes, and the second night run after them."""
    home = home_copy
    today, tomorrow = _world(home, 0), _world(home, 1)
    start = now_ts(0)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            """select c.customer_id, lower(trim(c.email)) from marts.customer_360 c
               where c.is_email_contactable and c.source_record_count = 2
                 and exists (select 1 from marts.segment_membership s
                             where s.customer_id = c.customer_id and list_contains(?, s.segment))
               order by c.customer_id""",
            [list(KLAVIYO.segments)],
        ).fetchall()
        chosen = {}
        for customer_id, email in rows:
            records = _records(con, customer_id)
            if set(records) != {"hubspot", "square"}:
                continue
            mine = [today[(system, record_id)] for system, record_id in records.items()]
            # Both subscribed in the sources, and left alone by the seeded changes of the next day.
            untouched = all(tomorrow[(r.system, customer_record_id(r.system, r.seq))].updated < start for r in mine)
            if all(r.subscribed for r in mine) and untouched and mine[0].person.pid == mine[1].person.pid:
                chosen[customer_id] = {"email": email, "records": records}
            if len(chosen) == 2:
                break
    assert len(chosen) == 2, f"the session's night holds too few customers for the scenario: {len(chosen)}"
    (first, first_case), (second, second_case) = chosen.items()
    for case in chosen.values():
        assert _mailchimp_status(home, case["email"]) == "subscribed", case
        assert _in_klaviyo_files(home, case["email"]), case
    t1, t2 = start + 2 * HOUR, start + 8 * HOUR
    write_planted(
        home / "simulator",
        [
            PlantedChange(1, "hubspot", first_case["records"]["hubspot"], "unsubscribe", t1),
            PlantedChange(1, "square", first_case["records"]["square"], "edit_address", t2),
            PlantedChange(1, "square", second_case["records"]["square"], "unsubscribe", t1),
            PlantedChange(1, "hubspot", second_case["records"]["hubspot"], "edit_address", t2),
        ],
    )
    advance_day(1, home=home)
    run_night(home)
    return chosen


def test_an_edit_after_a_withdrawal_elsewhere_leaves_the_customer_uncontactable(home_copy: Path, planted: dict):
    with duckdb.connect(str(home_copy / "warehouse.duckdb"), read_only=True) as con:
        for case in planted.values():
            # Mapped again from the records: whatever ID the customer holds after the night.
            customer_ids = {
                customer_id
                for system, record_id in case["records"].items()
                for (customer_id,) in con.execute(
                    "select customer_id from marts.customer_id_map where source_system = ? and source_record_id = ?",
                    [system, record_id],
                ).fetchall()
            }
            assert len(customer_ids) == 1, case
            (contactable,) = con.execute(
                "select email_consent, is_email_contactable from marts.customer_360 where customer_id = ?",
                [customer_ids.pop()],
            ).fetchall()
            assert contactable == (False, False), case


def test_the_email_tool_and_the_klaviyo_files_do_not_hold_them(home_copy: Path, planted: dict):
    with duckdb.connect(str(home_copy / "warehouse.duckdb"), read_only=True) as con:
        for case in planted.values():
            # Still in a segment the Klaviyo files carry: only consent keeps them out.
            (members,) = con.execute(
                """select count(*) from marts.segment_membership s join marts.customer_id_map m using (customer_id)
                   where m.source_system = 'square' and m.source_record_id = ? and list_contains(?, s.segment)""",
                [case["records"]["square"], list(KLAVIYO.segments)],
            ).fetchall()[0]
            assert members, f"{case} left the Klaviyo segments: the check below would prove nothing"
    for case in planted.values():
        assert _mailchimp_status(home_copy, case["email"]) != "subscribed", case
        assert not _in_klaviyo_files(home_copy, case["email"]), case
