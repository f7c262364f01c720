"""The email tool end to end against the simulator: the list equals the segments, only differences are sent,
consent and suppressions hold, and faults neither lose nor repeat anyone (a crash midway: test_crash.py).

Tests run in file order on a copy of the session's nightly run (`home_copy`); each leaves the list equal to the
segments, which is what the next one starts from.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from activation.config import Destination, load_destinations
from activation.sync import sync_destination
from cdp_orchestration.cli import main
from dlt_sources.connections import Connection
from simulator import advance_day, running_simulator
from simulator import mailchimp as simulated_mailchimp
from tests.conftest import run_night
from tests.exports.expected import NOT_HELD_OUT

MAILCHIMP = next(d for d in load_destinations() if d.name == "mailchimp")


def members(home: Path, list_name: str) -> dict[str, tuple[str, set[str]]]:
    """email → (status, tags) of the list in the simulator's own store."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        row = db.execute("select id from lists where json_extract(body, '$.name') = ?", (list_name,)).fetchone()
        assert row, f"no list {list_name!r} in the simulator"
        bodies = db.execute("select json(body) from members where list_id = ?", (row[0],)).fetchall()
    found = {}
    for (body,) in bodies:
        member = json.loads(body)
        found[member["email_address"].lower()] = (member["status"], {t["name"] for t in member["tags"]})
    return found


def expected_tags(con: duckdb.DuckDBPyConnection, destination: Destination) -> dict[str, set[str]]:
    """segment → emails of its consenting, unsuppressed members, from the warehouse."""
    rows = con.execute(
        f"""select m.segment, lower(trim(c.email)) from marts.segment_membership m
           join marts.customer_360 c using (customer_id)
           where list_contains(?, m.segment) and c.email_consent and c.email is not null and {NOT_HELD_OUT}
             and not exists (select 1 from exports.suppressed s
                             where (s.kind = 'email' and s.value = lower(trim(c.email)))
                                or (s.kind = 'phone' and s.value = regexp_replace(c.phone, '[^0-9]', '', 'g')))""",
        [list(destination.segments)],
    ).fetchall()
    expected: dict[str, set[str]] = {segment: set() for segment in destination.segments}
    for segment, email in rows:
        expected[segment].add(email)
    return expected


def actual_tags(home: Path, destination: Destination) -> dict[str, set[str]]:
    """segment → emails of the subscribed members carrying its tag."""
    actual: dict[str, set[str]] = {segment: set() for segment in destination.segments}
    for email, (status, tags) in members(home, destination.options["list_name"]).items():
        for tag in tags:
            assert status == "subscribed", f"{email} is {status} but still tagged {tag}"
            actual[tag].add(email)
    return actual


def assert_list_equals_segments(home: Path, destination: Destination) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        expected = expected_tags(con, destination)
    assert actual_tags(home, destination) == expected
    assert sum(map(len, expected.values())) > 50, "too few members for the test to mean anything"


def test_list_equals_segments_after_the_nightly_run(home: Path) -> None:
    assert_list_equals_segments(home, MAILCHIMP)


def test_no_contact_without_consent_reaches_the_list(home: Path, warehouse: duckdb.DuckDBPyConnection) -> None:
    consenting = warehouse.sql("select lower(email) from marts.customer_360 where email_consent").fetchall()
    consenting = {email for (email,) in consenting}
    listed = members(home, MAILCHIMP.options["list_name"])
    assert listed and set(listed) <= consenting


def sync_count(home: Path) -> tuple[int, int]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.sql("select count(*), count(distinct sync_id) from marts.export_log").fetchall()[0]


def test_a_second_sync_sends_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], in_home: Callable[[Path], None]
) -> None:
    logged_before, _ = sync_count(home)
    in_home(home)
    assert main(["sync", "--dry-run"]) == 0
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert out.count("nothing to send") == 2 * len(load_destinations())
    assert sync_count(home)[0] == logged_before


def test_suppression_list_is_honoured_everywhere(home: Path, in_home: Callable[[Path], None]) -> None:
    listed = sorted(e for e, (status, tags) in members(home, MAILCHIMP.options["list_name"]).items() if tags)
    # The phone's owner has both consents, so that the email tool and the ad audience would both hold them.
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        by_phone = con.execute(
            f"""select lower(c.email), c.phone
               from marts.customer_360 c join marts.segment_membership m using (customer_id)
               where m.segment = 'vip' and c.email_consent and c.ads_consent and c.phone is not null
                 and lower(c.email) <> ? and {NOT_HELD_OUT}
               order by 1 limit 1""",
            [listed[0]],
        ).fetchall()[0]
    email_suppressed, (phone_owner, phone) = listed[0].upper(), by_phone
    (home / "suppression.csv").write_text(f"email,phone\n {email_suppressed} ,\n,{phone}\n")
    in_home(home)
    assert main(["sync"]) == 0
    after = members(home, MAILCHIMP.options["list_name"])
    for email in (listed[0], phone_owner):
        status, tags = after[email]
        assert (status, tags) == ("unsubscribed", set())
    klaviyo_vip = (home / "exports" / "klaviyo_lists" / "vip.csv").read_text().lower()
    assert phone_owner not in klaviyo_vip
    meta = {row["phone"] for row in csv.DictReader((home / "exports" / "meta_custom_audiences" / "vip.csv").open())}
    assert hashlib.sha256(phone.lstrip("+").encode()).hexdigest() not in meta
    assert_list_equals_segments(home, MAILCHIMP)


def tag_pairs(home: Path) -> set[tuple[str, str]]:
    return {(s, e) for s, emails in actual_tags(home, MAILCHIMP).items() for e in emails}


def test_next_night_sends_exactly_the_changes(home: Path) -> None:
    before = tag_pairs(home)
    journaled = len(simulated_mailchimp.journal(home))
    advance_day(1, home=home)
    run_night(home)
    after = tag_pairs(home)
    # Tags are taken off through their static segments, 500 members to a request, not one request per member.
    requests = [entry["path"] for entry in simulated_mailchimp.journal(home)[journaled:]]
    taken_off = Counter(segment for segment, _ in before - after)
    assert not [path for path in requests if path.endswith("/tags")]
    assert len([path for path in requests if "/segments/" in path]) == sum(-(-n // 500) for n in taken_off.values())
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        sync_id = con.sql(
            "select sync_id from exports.syncs where destination = 'mailchimp' order by started_at desc limit 1"
        ).fetchall()[0][0]
        logged = con.execute(
            """select segment, record_key, action, status from marts.export_log
               where sync_id = ? and segment is not null and action <> 'held_out'""",
            [sync_id],
        ).fetchall()
    by_key = {hashlib.md5(e.encode()).hexdigest(): e for _, e in before | after}
    sent = {(action, segment, by_key[key]) for segment, key, action, status in logged if status == "sent"}
    assert {(s, e) for a, s, e in sent if a == "add"} == after - before
    assert {(s, e) for a, s, e in sent if a == "remove"} == before - after
    assert len(sent) == len(logged), "every planned tag change was acknowledged, once"
    assert before != after, "nothing changed over a simulated day: the test proves nothing"
    assert_list_equals_segments(home, MAILCHIMP)


def sent_twice(con: duckdb.DuckDBPyConnection, destination: str) -> list[tuple]:
    return con.execute(
        """select segment, record_key, action, count(*) from marts.export_log
           where destination = ? and status = 'sent' group by all having count(*) > 1""",
        [destination],
    ).fetchall()


def test_faults_end_equal_and_nobody_is_sent_twice(home: Path, in_home: Callable[[Path], None]) -> None:
    destination = dataclasses.replace(
        MAILCHIMP, name="mailchimp_faults", options={**MAILCHIMP.options, "list_name": "CDP fault drill"}
    )
    in_home(home)
    with running_simulator(home=home, faults=0.2, in_thread=True) as url:
        connection = Connection("mailchimp", f"{url}/3.0", "test-key", simulated=True)
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            failed = []
            for _ in range(4):
                result = sync_destination(con, destination, "test-faults", connection)
                failed.append(result.counts.get("failed", 0))
                if not failed[-1]:
                    break
            assert failed[-1] == 0, f"failures per sync: {failed}"
            assert sent_twice(con, destination.name) == []
    assert_list_equals_segments(home, destination)
