"""`cdp forget`: the person is gone from every table and file, logged without personal data, and kept out."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import duckdb

from cdp_orchestration.privacy.catalog import tables
from tests.conftest import run_cdp
from tests.privacy.conftest import Forgotten

# The simulator is the source system (it still holds the person); Dagster's run history holds no row data.
NOT_THE_CDPS = ("simulator",)


def _needles(person: Forgotten) -> list[bytes]:
    needles = [person.email.lower().encode()]
    if person.phone:
        needles.append(re.sub(r"\D", "", person.phone).encode())
    return needles


def _files_holding(home: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in home.rglob("*"):
        if path.is_file() and path.relative_to(home).parts[0] not in NOT_THE_CDPS:
            data = path.read_bytes().lower()
            if any(n in data for n in needles) or any(n in re.sub(rb"\D", b"", data) for n in needles[1:]):
                hits.append(str(path.relative_to(home)))
    return hits


def test_forget_leaves_no_row_of_the_person_in_any_table(forgotten: Forgotten) -> None:
    with duckdb.connect(str(forgotten.home / "warehouse.duckdb"), read_only=True) as con:
        holding = set()
        for table in tables(con):
            for column in table.text_columns():
                (n,) = con.execute(
                    f'select count(*) from {table.ref} where lower("{column}") = ? or "{column}" = ?',
                    [forgotten.email.lower(), forgotten.customer_id],
                ).fetchall()[0]
                if n:
                    holding.add(f"{table.schema}.{table.name}")
        (erase,) = con.execute(
            "select count(*) from identity.id_history where old_customer_id = ? and change = 'erase'",
            [forgotten.customer_id],
        ).fetchall()[0]
    # Only the Mailchimp state keeps the member, so the next sync unsubscribes them; id_history records the erase.
    assert holding == {"exports.mailchimp_state", "identity.id_history"}
    assert erase == 1


def test_forget_leaves_no_byte_of_the_person_outside_the_pending_removal(forgotten: Forgotten) -> None:
    hits = _files_holding(forgotten.home, _needles(forgotten))
    assert hits == ["warehouse.duckdb"] or hits == []
    assert not list((forgotten.home / "dlt").glob("*/load/loaded/*"))


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


def test_next_sync_removes_the_person_from_mailchimp(forgotten: Forgotten, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(forgotten.home, home)
    result = run_cdp(home, "sync", "--destination", "mailchimp")
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        state = con.execute(
            "select count(*) from exports.mailchimp_state where customer_id = ?", [forgotten.customer_id]
        ).fetchall()[0][0]
        actions = con.execute(
            "select distinct action, status from marts.export_log where customer_id = ?", [forgotten.customer_id]
        ).fetchall()
    assert state == 0
    assert actions == [("remove", "sent")]
