"""Ad audience files hold exactly the segment members whose advertising consent is granted, never email consent alone.

Advertising consent is recomputed here from the raw history of the CRM's advertising-consent property (each
contact's current value, timed when its history says it took that value; the latest across a customer's contacts wins,
a withdrawal wins a tie), independently of the loader's and the dbt models' reading of it. The last test runs
the next night on a copy of its own, so the tests after it still read the night they expect.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from activation import ad_audiences
from activation.config import AD_KINDS, Destination, load_destinations
from simulator import SimState, advance_day, generate
from simulator.ids import hubspot_contact_id
from simulator.state import read_state, state_path
from tests.conftest import run_night

AD_DESTINATIONS = [d for d in load_destinations() if d.kind in AD_KINDS]
# How far to look ahead in simulated days for a withdrawal that concerns someone in an audience.
MAX_DAYS_AHEAD = 30


def ads_consenting(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Customers whose advertising consent is granted, from the raw property history of their HubSpot contacts."""
    history: dict[str, list[tuple[datetime, str]]] = {}
    for contact_id, value, at in con.sql("""
            select c.id, lower(h.value), h.timestamp
            from raw_hubspot.contacts__ads_consent_history as h
            join raw_hubspot.contacts as c on h._dlt_parent_id = c._dlt_id""").fetchall():
        history.setdefault(contact_id, []).append((at, value))
    # (time the current value was set, withdrawn) of each contact: the greatest is the deciding one, and at the same
    # time a withdrawal
    latest: dict[str, tuple[datetime, bool]] = {}
    for contact_id, customer_id, current in con.sql("""
            select h.id, m.customer_id, lower(h.ads_consent)
            from raw_hubspot.contacts as h
            join marts.customer_id_map as m on m.source_system = 'hubspot' and m.source_record_id = h.id
            where lower(h.ads_consent) in ('true', 'false')""").fetchall():
        newest_first = sorted(history.get(contact_id, []), reverse=True)
        assert newest_first and newest_first[0][1] == current, f"contact {contact_id}: no history shows {current}"
        # Held since the oldest entry of the newest run of entries with that value (set again to itself is no change).
        set_at = newest_first[0][0]
        for at, value in newest_first:
            if value != current:
                break
            set_at = at
        signal = (set_at, current == "false")
        latest[customer_id] = max(latest.get(customer_id, signal), signal)
    return {customer_id for customer_id, (_, withdrawn) in latest.items() if not withdrawn}


def members(con: duckdb.DuckDBPyConnection, destination: Destination, segment: str) -> dict[str, tuple]:
    """customer_id → (email, phone) of the segment's members with an identifier no suppression covers.

    Suppressions as of the destination's last sync: an address another destination reports later in the same night
    applies from the next sync on (the suppression file is re-read by every sync).
    """
    rows = con.execute(
        """select c.customer_id, lower(trim(c.email)), c.phone
           from marts.segment_membership m join marts.customer_360 c using (customer_id)
           where m.segment = ? and (c.email is not null or c.phone is not null)
             and not exists (
                 select 1 from exports.suppressed s
                 where (s.source = 'file'
                        or s.recorded_at < (select max(started_at) from exports.syncs where destination = ?))
                   and ((s.kind = 'email' and s.value = lower(trim(c.email)))
                        or (s.kind = 'phone' and s.value = regexp_replace(c.phone, '[^0-9]', '', 'g'))))""",
        [segment, destination.name],
    ).fetchall()
    return {customer_id: (email, phone) for customer_id, email, phone in rows}


def hashed(destination: Destination, email: str | None, phone: str | None) -> tuple[str, str]:
    _, email_rule, phone_rule = ad_audiences.PLATFORMS[destination.kind]
    return ad_audiences.sha256(email_rule(email)), ad_audiences.sha256(phone_rule(phone))


def written(home: Path, destination: Destination, segment: str) -> set[tuple[str, str]]:
    with (home / "exports" / destination.name / f"{segment}.csv").open() as handle:
        return {(row[0], row[1]) for row in list(csv.reader(handle))[1:]}


def assert_files_hold_exactly_the_consenting_members(home: Path) -> set[str]:
    """Checks every ad file against segment members ∩ advertising consent; returns the customers in any file."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        consenting = ads_consenting(con)
        audience: set[str] = set()
        for destination in AD_DESTINATIONS:
            for segment in destination.segments:
                expected = {c: ids for c, ids in members(con, destination, segment).items() if c in consenting}
                assert written(home, destination, segment) == {hashed(destination, *ids) for ids in expected.values()}
                audience |= set(expected)
    assert audience, "no audience file holds anyone: the test proves nothing"
    return audience


def test_audience_files_hold_exactly_the_segment_members_with_ads_consent(home: Path) -> None:
    assert_files_hold_exactly_the_consenting_members(home)


def test_email_consent_alone_keeps_a_customer_out_of_ad_audiences(
    home: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    consenting = ads_consenting(warehouse)
    email_only = {
        customer_id
        for (customer_id,) in warehouse.sql("select customer_id from marts.customer_360 where email_consent").fetchall()
    } - consenting
    left_out = 0
    for destination in AD_DESTINATIONS:
        for segment in destination.segments:
            in_file = written(home, destination, segment)
            for customer_id, ids in members(warehouse, destination, segment).items():
                if customer_id in email_only:
                    assert hashed(destination, *ids) not in in_file, f"{customer_id} has no ads consent"
                    left_out += 1
    assert left_out, "no segment member with email consent but no ads consent: the test proves nothing"


def test_customer_360_ads_consent_matches_the_raw_contacts(warehouse: duckdb.DuckDBPyConnection) -> None:
    flagged = {c for (c,) in warehouse.sql("select customer_id from marts.customer_360 where ads_consent").fetchall()}
    assert flagged == ads_consenting(warehouse)


def test_advertising_consent_is_timed_when_the_contact_set_it(home: Path, warehouse: duckdb.DuckDBPyConnection) -> None:
    """The deciding signal's time is when the CRM says the property took its value (the simulator's own record of
    it), not the contact's last edit."""
    state = read_state(state_path(home))
    assert state is not None
    contacts = {hubspot_contact_id(c.seq): c for c in generate(state).customers["hubspot"] if c.ads_consent_history}
    expected: dict[str, tuple[datetime, bool]] = {}
    edited_later = 0
    for record_id, customer_id in warehouse.sql(
        "select source_record_id, customer_id from marts.customer_id_map where source_system = 'hubspot'"
    ).fetchall():
        if record_id not in contacts:
            continue
        set_at, granted = contacts[record_id].ads_consent_history[-1]
        edited_later += contacts[record_id].updated > set_at
        signal = (datetime.fromtimestamp(set_at, UTC), not granted)
        expected[customer_id] = max(expected.get(customer_id, signal), signal)
    assert edited_later, "no contact was edited after its consent was set: the test proves nothing"
    timed = warehouse.sql("select customer_id, ads_consent_at from marts.customer_360 where ads_consent_at is not null")
    assert dict(timed.fetchall()) == {customer_id: at for customer_id, (at, _) in expected.items()}


def test_an_ad_platform_cannot_be_given_email_consent(tmp_path: Path) -> None:
    path = tmp_path / "destinations.yml"
    path.write_text(
        "destinations:\n  google:\n    kind: google_customer_match\n    consent: email_consent\n    segments: [vip]\n"
    )
    with pytest.raises(ValueError, match="email consent does not cover advertising"):
        load_destinations(path)


def days_to_a_withdrawal(home: Path, audience: set[str]) -> int:
    """Simulated days until a HubSpot contact of someone in an audience file withdraws advertising consent."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        contacts = {
            record_id
            for record_id, customer_id in con.sql(
                "select source_record_id, customer_id from marts.customer_id_map where source_system = 'hubspot'"
            ).fetchall()
            if customer_id in audience
        }
    state = read_state(state_path(home))
    assert state is not None
    granted = {hubspot_contact_id(c.seq) for c in generate(state).customers["hubspot"] if c.ads_consent} & contacts
    for days in range(1, MAX_DAYS_AHEAD + 1):
        later = generate(SimState(state.seed, state.people, state.day + days)).customers["hubspot"]
        if any(hubspot_contact_id(c.seq) in granted and not c.ads_consent for c in later):
            return days
    raise AssertionError(f"nobody in an audience withdraws advertising consent within {MAX_DAYS_AHEAD} days")


def test_a_withdrawal_removes_the_customer_from_the_next_files(home: Path, tmp_path: Path) -> None:
    # A copy: the shared run must stay at the night the other test modules expect.
    night = tmp_path / "home"
    shutil.copytree(home, night)
    before = assert_files_hold_exactly_the_consenting_members(night)
    days = days_to_a_withdrawal(night, before)
    advance_day(days, home=night)
    run_night(night)
    after = assert_files_hold_exactly_the_consenting_members(night)
    with duckdb.connect(str(night / "warehouse.duckdb"), read_only=True) as con:
        customers = {c for (c,) in con.sql("select customer_id from marts.customer_360").fetchall()}
        # still the same customer ID (not merged away overnight), no longer consenting
        withdrawn = (before & customers) - ads_consenting(con)
        removed = con.execute(
            """select distinct l.customer_id from marts.export_log l
               where l.action = 'remove' and l.status = 'sent' and l.sync_id in (
                   select arg_max(sync_id, started_at) from exports.syncs
                   where list_contains(?, destination) group by destination)""",
            [[d.name for d in AD_DESTINATIONS]],
        ).fetchall()
    assert withdrawn, f"nobody in an audience withdrew advertising consent over {days} simulated days"
    assert not withdrawn & after
    assert withdrawn <= {customer_id for (customer_id,) in removed}
