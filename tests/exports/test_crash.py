"""A `cdp sync` killed between Mailchimp applying a batch and the CDP recording it resumes without loss, and its
log owns up to the batch it sent twice.

The warehouse holds planted customers and segments, enough for three batches. The simulated Mailchimp is told to
hold back its answer to the second batch after applying it; the test then kills the real `cdp sync` process (and
the simulator it started) with SIGKILL, runs it again, and judges the result by the simulator's own store and
request journal.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from activation import mailchimp
from activation.config import load_destinations
from cdp_orchestration.resources import SIMULATOR_TOKEN
from simulator import mailchimp as simulated_mailchimp
from tests.conftest import REPO_ROOT, cdp_environment, run_cdp

MAILCHIMP = next(d for d in load_destinations() if d.name == "mailchimp")
CUSTOMERS = 2 * mailchimp.BATCH_SIZE + 120  # three batches, the kill after the second
SEGMENTS = ("vip", "lapsed", "at_risk")
HOLD_TIMEOUT_SECONDS = 600


def planted_customers() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(customer_id, email, first name, segments) of every planted customer; all consent to email."""
    return [
        (f"cus_{i:06d}", f"person{i}@example.org", f"First{i}", SEGMENTS[: 1 + i % len(SEGMENTS)])
        for i in range(CUSTOMERS)
    ]


def plant_warehouse(home: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.customer_360 (customer_id varchar, email varchar, phone varchar,
               email_consent boolean, first_name varchar, last_name varchar, date_of_birth date, country varchar,
               next_products varchar[], household_id varchar, last_order_at timestamptz,
               last_engagement_at timestamptz, profile_updated_at timestamptz)"""
        )
        con.execute(
            "create table marts.segment_membership (segment varchar, customer_id varchar, entered_at timestamp)"
        )
        customers = planted_customers()
        con.executemany(
            "insert into marts.customer_360 values "
            "(?, ?, null, true, ?, 'Planted', null, 'ID', null, ?, null, null, null)",
            [(customer_id, email, first, f"household:{customer_id}") for customer_id, email, first, _ in customers],
        )
        con.executemany(
            "insert into marts.segment_membership values (?, ?, timestamp '2026-06-01')",
            [(segment, customer_id) for customer_id, _, _, segments in customers for segment in segments],
        )


def batches(home: Path) -> list[dict]:
    """The batch requests of the simulator's journal (their bodies list members)."""
    return [entry for entry in simulated_mailchimp.journal(home) if "members" in entry["body"]]


def kill_after_the_held_batch(home: Path) -> None:
    """Runs `cdp sync` until the simulator holds the answer to the second batch, then kills its process group."""
    simulated_mailchimp.hold_after_batches(2, home)
    env = {**os.environ, **cdp_environment(home, people="30")}
    env.pop("DAGSTER_HOME", None)
    with (home / "killed_sync.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cdp_orchestration.cli", "sync", "--destination", MAILCHIMP.name],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + HOLD_TIMEOUT_SECONDS
            while simulated_mailchimp.held_batch(home) is None:
                assert process.poll() is None, f"cdp sync ended first:\n{(home / 'killed_sync.log').read_text()}"
                assert time.monotonic() < deadline, "the simulator never held the second batch"
                time.sleep(0.1)
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # cdp sync and the simulator it started: one process group
            process.wait()
    simulated_mailchimp.release_hold(home)


@pytest.fixture(scope="module")
def crashed_and_resumed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("crash")
    plant_warehouse(home)
    kill_after_the_held_batch(home)
    sent = batches(home)
    assert len(sent) == 2, "the kill was not right after the second batch"
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        recorded = {key for (key,) in con.sql("select record_key from exports.mailchimp_state").fetchall()}
    first, second = (
        {simulated_mailchimp.subscriber_hash(m["email_address"]) for m in b["body"]["members"]} for b in sent
    )
    assert recorded == first, "the CDP had not recorded exactly the first batch when it was killed"
    assert not recorded & second

    resumed = run_cdp(home, "sync", "--destination", MAILCHIMP.name, extra_env={"CDP_PEOPLE": "30"})
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    return home


def members_by_email(home: Path) -> dict[str, dict]:
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        return {
            member["email_address"].lower(): member
            for member in (json.loads(body) for (body,) in db.execute("select body from members").fetchall())
        }


def test_each_member_ends_as_intended(crashed_and_resumed: Path) -> None:
    members = members_by_email(crashed_and_resumed)
    intended = {email: (first, set(segments)) for _, email, first, segments in planted_customers()}
    assert set(members) == set(intended)
    for email, (first, segments) in intended.items():
        member = members[email]
        assert member["status"] == "subscribed", email
        assert {tag["name"] for tag in member["tags"]} == segments, email
        assert member["merge_fields"]["FNAME"] == first, email


def test_only_the_unrecorded_batch_was_applied_twice(crashed_and_resumed: Path) -> None:
    sent = batches(crashed_and_resumed)
    applied = Counter(m["email_address"].lower() for entry in sent for m in entry["body"]["members"])
    second = {m["email_address"].lower() for m in sent[1]["body"]["members"]}
    assert {email for email, n in applied.items() if n == 2} == second
    assert set(applied.values()) == {1, 2}


def test_the_export_log_agrees_with_the_journal(crashed_and_resumed: Path) -> None:
    """Per member and segment, each time the tool applied the member's row is one log row that says it may have been
    or was sent: the resent batch is in the log twice, once `unconfirmed` and once `sent`."""
    journaled: Counter[tuple[str, str | None]] = Counter()
    for entry in batches(crashed_and_resumed):
        for member in entry["body"]["members"]:
            key = simulated_mailchimp.subscriber_hash(member["email_address"])
            journaled[(key, None)] += 1  # the list row: status and merge fields
            journaled.update((key, tag) for tag in member.get("tags", []))
    with duckdb.connect(str(crashed_and_resumed / "warehouse.duckdb"), read_only=True) as con:
        logged_rows = con.sql(
            """select record_key, segment, status from marts.export_log
               where destination = 'mailchimp' and status in ('sent', 'unconfirmed')"""
        ).fetchall()
        statuses = dict(con.sql("select status, count(*) from marts.export_log group by 1").fetchall())
    logged = Counter((key, segment) for key, segment, _ in logged_rows)
    assert logged == journaled
    twice = {key for (key, _), n in journaled.items() if n == 2}
    assert statuses.get("unconfirmed") and statuses.get("failed", 0) == 0
    assert {key for key, _, status in logged_rows if status == "unconfirmed"} == twice


def test_a_sync_after_the_resume_sends_nothing(crashed_and_resumed: Path) -> None:
    before = simulated_mailchimp.journal(crashed_and_resumed)
    again = run_cdp(crashed_and_resumed, "sync", "--destination", MAILCHIMP.name, extra_env={"CDP_PEOPLE": "30"})
    assert again.returncode == 0, again.stderr[-3000:]
    assert simulated_mailchimp.journal(crashed_and_resumed) == before


def test_a_revoked_key_stops_cdp_sync_naming_the_setting(crashed_and_resumed: Path) -> None:
    simulated_mailchimp.revoke_api_key(SIMULATOR_TOKEN, crashed_and_resumed)
    refused = run_cdp(crashed_and_resumed, "sync", "--destination", MAILCHIMP.name, extra_env={"CDP_PEOPLE": "30"})
    assert refused.returncode == 1
    assert "destinations.mailchimp.api_key" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
