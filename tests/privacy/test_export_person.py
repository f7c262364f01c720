"""`cdp export-person` and the pseudonymised analytics copy, on the session warehouse (read-only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cdp
from tests.privacy.conftest import pick_person
from warehouse.keys import keyed_hash


def test_export_person_gathers_records_profile_segments_consent_and_exports(
    nightly_run, cdp_home: Path, tmp_path: Path
) -> None:
    customer_id, email, _, records = pick_person(cdp_home / "warehouse.duckdb")
    out = tmp_path / "person.json"
    result = run_cdp(cdp_home, "export-person", "--email", email, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(out.read_text())
    assert document["customer_ids"] == [customer_id]
    assert sum(len(rows) for rows in document["source_records"].values()) == len(records)
    assert document["profiles"][0]["email"] == email
    assert document["segments"] and document["exports"]
    assert all(e["customer_id"] == customer_id for e in document["exports"])


def test_analytics_copy_hashes_personal_columns_and_drops_raw_data(
    nightly_run, cdp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emails_by_customer = "select customer_id, email from marts.customer_360 where email is not null"
    with duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True) as con:
        held = dict(con.sql(emails_by_customer).fetchall())
    with duckdb.connect(str(cdp_home / "analytics.duckdb"), read_only=True) as con:
        published = dict(con.sql(emails_by_customer).fetchall())
        schemas = {s for (s,) in con.sql("select distinct table_schema from information_schema.tables").fetchall()}
        payloads = con.sql("select count(*) from information_schema.columns where column_name = 'payload'").fetchall()[
            0
        ][0]
        joined = con.sql("""
            select count(*) from marts.customer_360 as c join intermediate.int_person_records as p on p.email = c.email
        """).fetchall()[0][0]
    assert not any(s.startswith("raw_") for s in schemas)
    assert published and all(re.fullmatch(r"[0-9a-f]{64}", e) for e in published.values())
    assert payloads == 0
    assert joined > 0  # the same keyed hash everywhere: joins on hashed columns still work
    # The SQL hash is the installation's HMAC-SHA256, the one the suppression list of forgotten people uses.
    monkeypatch.setenv("CDP_HOME", str(cdp_home))
    assert published == {customer_id: keyed_hash(email) for customer_id, email in held.items()}


def test_export_person_holds_every_source_record_of_the_person(nightly_run, cdp_home: Path, tmp_path: Path) -> None:
    """Checked against the simulator's truth: a person with records in several sources, all of them resolved into one
    customer, is exported with exactly those records, whichever source's email the request names."""
    truth = cdp_home / "simulator" / "truth.csv"
    with duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True) as con:
        person_id, email, expected = con.execute(f"""
            with truth as (
                select person_id, source_system || ':' || source_record_id as record_id
                from read_csv('{truth}', all_varchar = true)
            ),
            people as (
                select t.person_id,
                    any_value(m.customer_id) as customer_id,
                    count(distinct m.customer_id) as customers,
                    bool_and(m.customer_id is not null) as all_resolved,
                    count(distinct split_part(t.record_id, ':', 1)) as sources,
                    list(t.record_id order by t.record_id) as records
                from truth as t left join marts.customer_id_map as m using (record_id)
                group by t.person_id
            ),
            customer_sizes as (
                select customer_id, count(*) as records from marts.customer_id_map group by customer_id
            )
            select people.person_id, min(person_records.email), any_value(people.records)
            from people
            join customer_sizes using (customer_id)
            join intermediate.int_person_records as person_records
                on list_contains(people.records, person_records.record_id)
            where people.customers = 1 and people.all_resolved and people.sources >= 2
                and customer_sizes.records = len(people.records) and person_records.email is not null
            group by people.person_id
            order by people.person_id
            limit 1
        """).fetchall()[0]
    out = tmp_path / "person.json"
    result = run_cdp(cdp_home, "export-person", "--email", email, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(out.read_text())
    exported = sorted(
        f"{table.split('.')[0].removeprefix('raw_')}:{row['id']}"
        for table, rows in document["source_records"].items()
        for row in rows
    )
    assert exported == sorted(expected), person_id


# Columns named after emails or birthdays that hold counts, agreement levels, IDs or a system's name: analysts (and
# the console's "why were these joined") need them as the warehouse holds them. (Not `days_to_next_birthday`: with
# the as-of date it gives the day of birth, so the copy leaves it out.)
NOT_PERSONAL = {
    "marts.customer_360": ["emails_sent", "emails_opened", "emails_bounced", "email_consent_source"],
    "marts.customer_geography": ["email_contactable_customers"],
    "identity.match_evidence": ["gamma_email", "gamma_phone", "gamma_dob"],
    "marts.households": ["linked_by_email"],
}  # fmt: skip


@pytest.mark.parametrize("table", sorted(NOT_PERSONAL))
def test_analytics_copy_keeps_counts_levels_and_ids_named_like_personal_data(nightly_run, cdp_home: Path, table):
    columns = ", ".join(NOT_PERSONAL[table])
    query = f"select {columns} from {table} order by all"
    with duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True) as con:
        held = con.sql(query).fetchall()
    with duckdb.connect(str(cdp_home / "analytics.duckdb"), read_only=True) as con:
        published = con.sql(query).fetchall()
    assert held and published == held
