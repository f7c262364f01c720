"""`cdp forget`: the person is gone from every table and file, logged without personal data, and kept out."""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from pathlib import Path

import duckdb
import pytest

from simulator.mailchimp import subscriber_hash
from tests.conftest import run_cdp
from tests.privacy.conftest import Forgotten
from tests.privacy.scans import Needles, files_holding
from warehouse.catalog import tables

# The simulator is the source system (it still holds the person); Dagster's run history holds no row data.
NOT_THE_CDPS = ("simulator",)
# Where `cdp forget` keeps the removals API destinations still owe the person, until the next sync sends them.
OWED = "privacy/pending_removals.json"


def _member_id(person: Forgotten) -> str:
    return subscriber_hash(person.email)


def _needles(person: Forgotten) -> Needles:
    """What must not be found: the email and member id as they are, the phone as its digits."""
    return Needles.of(person.email, re.sub(r"\D", "", person.phone) if person.phone else None)


def _files_holding(home: Path, needles: Needles) -> list[str]:
    return files_holding(home, needles, skip=NOT_THE_CDPS)


def _tables_holding(warehouse: Path, values: list[str], digits: str | None = None) -> set[str]:
    """The tables with a text column equal to one of `values` (case aside), or to `digits` once punctuation goes."""
    holding = set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in tables(con):
            for column in table.text_columns():
                where = f'list_contains(?, lower("{column}"))'
                if digits:
                    where += f" or regexp_replace(\"{column}\", '[^0-9]', '', 'g') = '{digits}'"
                (n,) = con.execute(
                    f"select count(*) from {table.ref} where {where}", [[v.lower() for v in values]]
                ).fetchall()[0]
                if n:
                    holding.add(f"{table.schema}.{table.name}")
    return holding


def _identifiers(person: Forgotten) -> tuple[list[str], str | None]:
    """The person's email, member id and phone, and the phone's digits."""
    values = [person.email, _member_id(person), *([person.phone] if person.phone else [])]
    return values, re.sub(r"\D", "", person.phone) if person.phone else None


def test_forget_leaves_no_row_of_the_person_in_any_table(forgotten: Forgotten) -> None:
    warehouse = forgotten.home / "warehouse.duckdb"
    values, digits = _identifiers(forgotten)
    holding = _tables_holding(warehouse, [*values, forgotten.customer_id], digits)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (erase,) = con.execute(
            "select count(*) from identity.id_history where old_customer_id = ? and change = 'erase'",
            [forgotten.customer_id],
        ).fetchall()[0]
    # id_history records the erase (a pseudonymous ID); the Mailchimp member waits outside the warehouse.
    assert holding == {"identity.id_history"}
    assert erase == 1


def test_forget_leaves_no_byte_of_the_person_but_the_owed_removal(forgotten: Forgotten) -> None:
    assert _files_holding(forgotten.home, _needles(forgotten)) == [OWED]
    assert stat.S_IMODE((forgotten.home / OWED).stat().st_mode) == 0o600
    assert not list((forgotten.home / "dlt").glob("*/load/loaded/*"))
    assert "mailchimp: removals the next sync sends" in forgotten.result.stdout


def test_the_byte_scans_see_the_person_before_the_forget(forgotten: Forgotten, cdp_home: Path) -> None:
    # DuckDB compresses most strings, so a scan that finds nothing proves something only where it found them before.
    assert "warehouse.duckdb" in _files_holding(cdp_home, _needles(forgotten))


def test_request_log_holds_counts_and_a_keyed_hash_only(forgotten: Forgotten) -> None:
    with duckdb.connect(str(forgotten.home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select * from privacy.requests").df()
        kinds = dict(con.sql("select kind, count(*) from privacy.erased_identifiers group by kind").fetchall())
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.requested_by, row.action, row.kind) == ("dpo@example.com", "forget", "email")
    assert re.fullmatch(r"[0-9a-f]{64}", row.identifier_hash)
    assert forgotten.email.lower() not in " ".join(map(str, row.values)).lower()
    assert '"marts.customer_360": 1' in row.counts
    assert row.records == len(forgotten.records)
    assert kinds["record"] == len(forgotten.records) and kinds["email"] >= 1


def test_hash_key_is_owner_only(forgotten: Forgotten) -> None:
    key = forgotten.home / "secrets" / "hash_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700


def test_export_files_no_longer_hold_the_person(forgotten: Forgotten) -> None:
    assert "exports/" in forgotten.result.stdout or not (forgotten.home / "exports").exists()
    for path in (forgotten.home / "exports").rglob("*.csv"):
        assert forgotten.email.lower() not in path.read_text().lower()


def test_analytics_copy_is_republished_without_the_person(forgotten: Forgotten) -> None:
    with duckdb.connect(str(forgotten.home / "analytics.duckdb"), read_only=True) as con:
        (n,) = con.execute(
            "select count(*) from marts.customer_360 where customer_id = ?", [forgotten.customer_id]
        ).fetchall()[0]
    assert n == 0


@pytest.fixture(scope="module")
def synced(forgotten: Forgotten, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the forgotten home after two syncs: the one that removes the person, and the one after it."""
    home = tmp_path_factory.mktemp("synced") / "home"
    shutil.copytree(forgotten.home, home)
    for _ in range(2):
        result = run_cdp(home, "sync", "--destination", "mailchimp")
        assert result.returncode == 0, result.stderr[-3000:]
    return home


def test_next_sync_removes_the_person_from_mailchimp(forgotten: Forgotten, synced: Path) -> None:
    with duckdb.connect(str(synced / "warehouse.duckdb"), read_only=True) as con:
        logged = con.execute(
            "select distinct action, status, record_key from marts.export_log where customer_id = ?",
            [forgotten.customer_id],
        ).fetchall()
    # The log says the member was removed, without the member id.
    assert logged == [("remove", "sent", None)]
    assert not (synced / OWED).exists()
    # The email tool held the member and now holds nothing of them: deleted permanently, not just unsubscribed.
    assert _email_tool_members(forgotten.home, _member_id(forgotten)) == 1
    assert _email_tool_members(synced, _member_id(forgotten)) == 0


def _email_tool_members(home: Path, member_id: str) -> int:
    """Members with this id in the simulated email tool's own store (any list, any status)."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        return db.execute("select count(*) from members where hash = ?", (member_id,)).fetchone()[0]


def test_after_the_next_sync_nothing_holds_the_person(forgotten: Forgotten, synced: Path) -> None:
    # Mailchimp now reports the member unsubscribed at every sync: that must not bring the email back either.
    assert _tables_holding(synced / "warehouse.duckdb", *_identifiers(forgotten)) == set()
    assert _files_holding(synced, _needles(forgotten)) == []
