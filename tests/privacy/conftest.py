"""One forgotten person on a copy of the session warehouse, shared by the privacy tests of a module."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cdp


@dataclass(frozen=True)
class Forgotten:
    home: Path
    customer_id: str
    email: str
    phone: str | None
    records: list[tuple[str, str]]
    result: subprocess.CompletedProcess


def pick_person(warehouse: Path) -> tuple[str, str, str | None, list[tuple[str, str]]]:
    """A customer with several source records, an email and a Mailchimp membership: the hardest case to erase."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customer_id, email, phone = con.sql("""
            select c.customer_id, c.email, c.phone
            from marts.customer_360 as c
            join exports.mailchimp_state as s using (customer_id)
            join marts.customer_id_map as m using (customer_id)
            where c.email is not null and c.phone is not null
            group by all having count(distinct m.record_id) >= 2
            order by c.customer_id limit 1
        """).fetchall()[0]
        records = con.execute(
            "select source_system, source_record_id from marts.customer_id_map where customer_id = ?", [customer_id]
        ).fetchall()
    return customer_id, email, phone, records


@pytest.fixture(scope="module")
def forgotten(nightly_run, cdp_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Forgotten:
    home = tmp_path_factory.mktemp("forgotten") / "home"
    shutil.copytree(cdp_home, home)
    customer_id, email, phone, records = pick_person(home / "warehouse.duckdb")
    # Named by an upper-cased email, as a person writes it in their request.
    result = run_cdp(home, "forget", "--email", email.upper(), "--requested-by", "dpo@example.com")
    assert result.returncode == 0, result.stderr[-3000:]
    return Forgotten(home, customer_id, email, phone, records, result)
