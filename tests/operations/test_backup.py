"""`cdp backup` and `cdp restore` on a planted state folder: what goes out comes back, and a bad backup is refused."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from activation.config import load_destinations
from activation.segment_history import ensure_tables as ensure_segment_tables
from activation.state import ensure_tables as ensure_export_tables
from operations import BackupError, backup, restore
from privacy.store import ensure_tables as ensure_privacy_tables
from resolution.store import ensure_tables as ensure_identity_tables

PLANTED = {
    "identity.customer_assignments": "insert into identity.customer_assignments values "
    "('shopify:1', 'shopify', '1', 'cus_a', now(), 'r1'), ('square:X', 'square', 'X', 'cus_a', now(), 'r1')",
    "identity.id_history": "insert into identity.id_history values ('cus_b', 'cus_a', 'merge', 'r1', now())",
    "marts.segment_history": "insert into marts.segment_history values ('vip', 'cus_a', '2026-06-01', null)",
    "exports.mailchimp_state": "insert into exports.mailchimp_state values "
    "('*', 'f00', 'cus_a', 'a@example.com', null, 'h', 's1', now())",
    "marts.export_log": "insert into marts.export_log values "
    "('s1', 'r1', 'mailchimp', null, 'cus_a', 'f00', 'add', 'sent', null, now())",
    "privacy.erased_identifiers": "insert into privacy.erased_identifiers values ('abc', 'email', 'q1', now())",
}
FILES = {
    "identity/model.json": '{"model": "trained"}',
    "privacy/pending_removals.json": '{"mailchimp": [{"record_key": "f11"}]}',
    "suppression.csv": "value\nno@example.com\n",
    "secrets/hash_key": "0123456789abcdef" * 4,
    "predictive/churn_probability/card.json": '{"trained_at": "2026-06-01"}',
    "predictive/churn_probability/model.joblib": "trained churn model",
    "predictive/next_products/card.json": '{"trained_at": "2026-06-01"}',
    # The engine the home's first night chose: a restored home keeps to it (its raw data is that engine's).
    "engine": "duckdb\n",
}


@pytest.fixture
def planted(in_home: Callable[[Path], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    in_home(home)
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ensure_identity_tables(con)
        ensure_segment_tables(con)
        ensure_export_tables(con, load_destinations())
        ensure_privacy_tables(con)
        con.execute("create schema raw_shopify")
        con.execute("create table raw_shopify.customers as select 1 as id, 'a@example.com' as email")
        for sql in PLANTED.values():
            con.execute(sql)
    for name, text in FILES.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("record_id_l,record_id_r,decision,reason,author\nshopify:1,square:X,same,x,y\n")
    monkeypatch.setenv("CDP_IDENTITY_OVERRIDES", str(overrides))
    return home


def _rows(home: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return sorted(con.sql(f"select * from {table}").fetchall(), key=repr)


def test_what_goes_out_comes_back(planted: Path, in_home: Callable[[Path], None], tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    result = backup(folder)
    assert set(PLANTED) <= set(result.tables)
    assert "raw_shopify.customers" not in result.tables  # reloaded from the source, unless --full
    assert stat.S_IMODE((folder / "files" / "secrets" / "hash_key").stat().st_mode) == 0o600

    empty = tmp_path / "empty"
    in_home(empty)
    os.environ.pop("CDP_IDENTITY_OVERRIDES")
    restored = restore(folder)
    for table in PLANTED:
        assert _rows(empty, table) == _rows(planted, table), table
    for name, text in FILES.items():
        assert (empty / name).read_text() == text, name
    assert stat.S_IMODE((empty / "secrets" / "hash_key").stat().st_mode) == 0o600
    assert "shopify:1,square:X,same" in (empty / "identity" / "identity_overrides.csv").read_text()
    assert any("CDP_IDENTITY_OVERRIDES" in note for note in restored.notes)
    # The tables keep their keys: the export state still refuses a second row for one member.
    with duckdb.connect(str(empty / "warehouse.duckdb")) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("insert into exports.mailchimp_state select * from exports.mailchimp_state")


def test_full_keeps_the_raw_data(planted: Path, tmp_path: Path) -> None:
    assert backup(tmp_path / "full", full=True).tables["raw_shopify.customers"] == 1


def test_full_on_a_spark_home_says_where_its_raw_data_is(planted: Path, tmp_path: Path) -> None:
    (planted / "engine").write_text("spark\n")
    with pytest.raises(BackupError, match="landing"):
        backup(tmp_path / "full", full=True)
    assert not (tmp_path / "full").exists()
    assert "engine" in backup(tmp_path / "state").files  # the state alone, as on DuckDB


def test_restore_refuses_a_home_that_holds_a_warehouse(planted: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    backup(folder)
    with pytest.raises(BackupError, match="already holds a warehouse"):
        restore(folder)


def test_restore_refuses_a_corrupt_backup(planted: Path, in_home: Callable[[Path], None], tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    backup(folder)
    victim = folder / "tables" / "identity.customer_assignments.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    in_home(tmp_path / "empty")
    with pytest.raises(BackupError, match="customer_assignments.parquet is corrupt"):
        restore(folder)
    assert not (tmp_path / "empty" / "warehouse.duckdb").exists()


def test_restore_refuses_a_backup_of_another_format(
    planted: Path, in_home: Callable[[Path], None], tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format": 2, "cdp_version": "9.0"}))
    in_home(tmp_path / "empty")
    with pytest.raises(BackupError, match="format 2"):
        restore(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(BackupError, match="not a CDP backup"):
        restore(folder)


def test_backup_refuses_a_folder_in_use(planted: Path, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path / "used")


def test_backup_of_a_home_without_a_warehouse_says_so(in_home: Callable[[Path], None], tmp_path: Path) -> None:
    in_home(tmp_path / "nothing")
    with pytest.raises(BackupError, match="nothing to back up"):
        backup(tmp_path / "b")
