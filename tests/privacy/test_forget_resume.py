"""A `cdp forget` killed (SIGKILL) before or after the warehouse swap, then run again, ends as one that ran through.

While the killed forget's person is still in the warehouse, the next sync neither erases them from the email tool
nor sends them again: no removal is pending for them and their export state is as it was. Judged by the simulated
email tool's own store and by byte scans.
"""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
from pathlib import Path

import duckdb
import pytest

from privacy.forget import KILL_AT_SETTING
from simulator.mailchimp import subscriber_hash
from tests.conftest import run_cdp
from tests.privacy.conftest import pick_person
from tests.privacy.scans import Needles, files_holding

OWED = "privacy/pending_removals.json"
# Kill points: the owed removals are written and the fresh warehouse is being built (before the swap); the fresh
# warehouse has been swapped in (after it).
KILL_POINTS = ["owed_removals_kept", "warehouse_swapped"]


def _member_rows(home: Path, member_id: str) -> list[tuple]:
    """The member's rows in the simulated email tool's own store (any list, any status)."""
    with sqlite3.connect(home / "simulator" / "mailchimp.sqlite") as db:
        return db.execute("select * from members where hash = ?", (member_id,)).fetchall()


def _logged(home: Path, customer_id: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select * from marts.export_log where customer_id = ? order by all", [customer_id]
        ).fetchall()


def _sync(home: Path) -> None:
    result = run_cdp(home, "sync", "--destination", "mailchimp")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_killed_forget_run_again_leaves_nothing(nightly_run, cdp_home: Path, tmp_path: Path, kill_point: str):
    home = tmp_path / "home"
    shutil.copytree(cdp_home, home)
    customer_id, email, phone, _ = pick_person(home / "warehouse.duckdb")
    member_id = subscriber_hash(email)
    member = _member_rows(home, member_id)
    assert member, "the person should be a member of the email tool"
    command = ("forget", "--email", email, "--requested-by", "dpo@example.com")

    killed = run_cdp(home, *command, extra_env={KILL_AT_SETTING: kill_point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-2000:] + killed.stderr[-2000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (still_there,) = con.execute(
            "select count(*) from marts.customer_360 where customer_id = ?", [customer_id]
        ).fetchall()[0]
    if kill_point == "owed_removals_kept":
        assert still_there == 1, "a forget killed before the swap leaves the warehouse as it was"
        logged_before = _logged(home, customer_id)
        _sync(home)
        # Neither erased from the email tool while still in the warehouse, nor sent again as new.
        assert _member_rows(home, member_id) == member
        assert _logged(home, customer_id) == logged_before
    else:
        assert still_there == 0

    rerun = run_cdp(home, *command)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    needles = Needles.of(email, re.sub(r"\D", "", phone) if phone else None)
    assert files_holding(home, needles, skip=("simulator",)) == [OWED]
    _sync(home)
    assert _member_rows(home, member_id) == []
    assert files_holding(home, needles, skip=("simulator",)) == []
