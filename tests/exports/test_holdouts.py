"""Holdouts on the session's population: who a campaign keeps back never reaches a destination (judged against the
simulated Mailchimp's own store and the files written), the assignment is the same on the next night and survives a
merge of two customers, and marts.campaign_results measures the effect the simulator gave the campaigns.

One more night runs on a copy of the session's home: the simulator's clock 15 days on (past the 14-day window of
the first night's entries) and an identity override that merges a held-out customer into one who is not.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

from activation.config import load_destinations
from benchmarks.campaigns import true_uplift
from simulator import advance_day
from simulator.campaigns import DEFAULT_EFFECTS
from tests.conftest import run_night

DAYS_LATER = 15
DIRECT_MAIL = next(d for d in load_destinations() if d.kind == "direct_mail_csv")


def assignments(home: Path) -> dict[tuple[str, str], tuple[bool, object]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select scope, customer_id, held_out, assigned_at from campaigns.assignments").fetchall()
    return {(scope, customer): (held, at) for scope, customer, held, at in rows}


def store(home: Path) -> dict[str, set[str]]:
    """email → tags of every member of the simulated Mailchimp (its own sqlite store), whatever their status."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        bodies = db.execute("select json(body) from members").fetchall()
    return {
        member["email_address"].lower(): {t["name"] for t in member["tags"]}
        for member in (json.loads(body) for (body,) in bodies)
    }


def held_out_emails(home: Path) -> dict[str, set[str]]:
    """scope → emails of the customers held out there now (scope '*': the control group)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("""
            select a.scope, lower(trim(c.email)) from campaigns.assignments as a
            join marts.customer_360 as c on c.customer_id = a.customer_id
            where a.held_out and c.email is not null""").fetchall()
    found: dict[str, set[str]] = {}
    for scope, email in rows:
        found.setdefault(scope, set()).add(email)
    return found


def assert_no_held_out_member_reached_mailchimp(home: Path) -> int:
    members, held = store(home), held_out_emails(home)
    assert held.get("*"), "nobody is in the control group: the test proves nothing"
    reached = held["*"] & set(members)
    assert not reached, f"control-group members in the email tool: {sorted(reached)[:3]}"
    for scope, emails in held.items():
        tagged = {email for email in emails if scope in members.get(email, set())}
        assert not tagged, f"held out of {scope} but tagged there: {sorted(tagged)[:3]}"
    return sum(map(len, held.values()))


@pytest.fixture(scope="module")
def first_night(home: Path) -> dict:
    return {"assignments": assignments(home), "held": assert_no_held_out_member_reached_mailchimp(home)}


@pytest.fixture(scope="module")
def merge(home: Path, first_night: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Forces the record of a control-group customer and that of a customer outside it (each known by one record, so
    the override merges the two whole) into one customer, 15 days on; returns their customer IDs."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        held, kept = (
            con.execute(
                """select a.customer_id, min(m.record_id) from campaigns.assignments as a
                   join marts.customer_id_map as m on m.customer_id = a.customer_id
                   join marts.customer_360 as c on c.customer_id = a.customer_id
                   where a.scope = '*' and a.held_out = ? and c.household_size = 1
                   group by a.customer_id having count(*) = 1 order by a.customer_id limit 1""",
                [flag],
            ).fetchone()
            for flag in (True, False)
        )
    overrides = tmp_path_factory.mktemp("overrides") / "overrides.csv"
    with overrides.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id_l", "record_id_r", "decision", "reason", "author"])
        writer.writerow([held[1], kept[1], "same", "test: one person", "tests"])
    advance_day(DAYS_LATER, home=home)
    run_night(home, extra_env={"CDP_IDENTITY_OVERRIDES": str(overrides)})
    return held[0], kept[0]


def test_held_out_members_never_reach_the_email_tool(first_night: dict) -> None:
    assert first_night["held"] > 0


def test_held_out_members_never_reach_the_email_tool_on_the_next_night(home: Path, merge: tuple[str, str]) -> None:
    assert_no_held_out_member_reached_mailchimp(home)


def test_direct_mail_sends_one_letter_per_household_and_none_held_out(home: Path, merge: tuple[str, str]) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        held = {
            (scope, household)
            for scope, household in con.sql("""
                select a.scope, c.household_id from campaigns.assignments as a
                join marts.customer_360 as c on c.customer_id = a.customer_id where a.held_out""").fetchall()
        }
        sizes = dict(con.sql("select household_id, household_size from marts.households").fetchall())
    letters = shared = 0
    for segment in DIRECT_MAIL.segments:
        with (home / "exports" / DIRECT_MAIL.name / f"{segment}.csv").open() as handle:
            households = [row["Household"] for row in csv.DictReader(handle)]
        assert len(households) == len(set(households)), f"{segment}: a household gets two letters"
        assert not [h for h in households if ("*", h) in held or (segment, h) in held]
        letters += len(households)
        shared += sum(sizes.get(h, 1) > 1 for h in households)
    assert letters, "no letter written: the test proves nothing"
    assert shared, "no letter to a household of several: the test proves nothing"


def test_assignment_is_identical_on_the_next_night(home: Path, first_night: dict, merge: tuple[str, str]) -> None:
    after = assignments(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        changed = con.sql("select old_customer_id, new_customer_id from identity.id_history").fetchall()
    merged = {customer for pair in changed for customer in pair}  # both sides of a merge are judged below
    before = {key: value for key, value in first_night["assignments"].items() if key[1] not in merged}
    assert before and all(after.get(key) == value for key, value in before.items())


def test_a_held_out_customer_stays_held_out_through_a_merge(home: Path, merge: tuple[str, str]) -> None:
    held, kept = merge
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        history = con.sql("select old_customer_id, new_customer_id from identity.id_history where change = 'merge'")
        survivor = dict(history.fetchall())
        merged_into = survivor.get(held, survivor.get(kept, held))
        assert {held, kept} & set(survivor), "the override merged nobody"
        row = con.execute(
            "select held_out from campaigns.assignments where scope = '*' and customer_id = ?", [merged_into]
        ).fetchone()
        gone = con.execute(
            "select count(*) from campaigns.assignments where customer_id in (?, ?) and customer_id <> ?",
            [held, kept, merged_into],
        ).fetchone()[0]
    assert row == (True,), f"{merged_into} (merged from {held} and {kept}) is no longer held out"
    assert gone == 0


def test_campaign_results_cover_the_simulated_effects(home: Path, merge: tuple[str, str]) -> None:
    """The orders-per-member uplift interval covers the extra order probability the simulator gives the emailed
    members, diluted by the treated members the email tool did not email (a bounce, an address it refused); for the
    campaign without effect it covers zero. (`make bench` measures the coverage over seeds: benchmarks/campaigns.py.)"""
    checked = []
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for segment, effect in DEFAULT_EFFECTS.items():
            row = con.execute(
                """select held_out, orders_uplift_low, orders_uplift_high, sample_ratio_mismatch
                   from marts.campaign_results where destination = 'mailchimp' and period = 'all' and segment = ?""",
                [segment],
            ).fetchone()
            assert row, f"no results for {segment}"
            held, low, high, mismatch = row
            assert not mismatch, f"{segment}: the held-out share is not what the assignment promised"
            if held and low is not None:  # two members in all give no interval: too few to tell
                truth = true_uplift(home, con, segment, effect)
                assert low <= truth <= high, (segment, truth, low, high)
                checked.append(effect)
    assert any(checked), "no campaign with an effect had anyone held out: the test proves nothing"
