"""`cdp forget` erases one person and nobody else, judged by the simulator's truth on a planted population.

The subject's till record holds a placeholder phone typed for strangers too, their web-shop record the family
email of their household, and a stranger's email holds theirs as a substring (`planted.py`). After the forget,
every row of every table is as it was, byte for byte, unless it is the subject's: it names one of their records,
customer IDs, browsers or loyalty accounts (by the truth), holds a value no other person's record holds, or is a dlt
child or parent of such a row. The household member keeps their profile, segments and exports.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dlt_sources.common.upgrade import kept_schema
from simulator.ids import loyalty_account_id, square_customer_id
from tests.conftest import run_cdp
from tests.privacy.conftest import PLANTED_PEOPLE, ForgottenPlanted, PlantedNight
from tests.privacy.planted import PLACEHOLDER_PHONE
from warehouse.catalog import quote, tables

DLT_LINKS = ("_dlt_id", "_dlt_root_id", "_dlt_parent_id")
# Columns that hold a source's own record ID; elsewhere a bare ID such as HubSpot's `251` is just a number. Staging
# names the customer a web event names `customer_ref` (the logged-in or checking-out Shopify customer).
ID_COLUMN = re.compile(r"(^|_)ids?$|^value$|^hs_object_id$|customer_ref$")
# Raw person tables and the columns holding what a person typed about themselves, per source system.
PERSON_TABLES = {
    "shopify": ("raw_shopify.customers", ["email", "phone", "default_address__phone"]),
    "square": ("raw_square.customers", ["email_address", "phone_number"]),
    "hubspot": ("raw_hubspot.contacts", ["email", "phone", "mobilephone"]),
}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


class Subject:
    """What identifies the subject in a row, derived from the simulator's truth and the raw records it names."""

    def __init__(self, night: PlantedNight) -> None:
        records = night.records_of(night.planted.subject)
        others = {(s, r) for s, r, pid, _ in night.truth() if pid != night.planted.subject}
        mine, theirs = _typed_values(night.home, records), _typed_values(night.home, others)
        shared_digits = {_digits(v)[-9:] for v in theirs if len(_digits(v)) >= 9}
        unique = {v for v in mine - theirs if len(_digits(v)) < 9 or _digits(v)[-9:] not in shared_digits}
        named = {f"{s}:{r}" for s, r in records} | {night.customer_id} | _standing_for(night, records)
        self.values = {v.strip().lower() for v in unique | named}
        self.bare_ids = {r.lower() for _, r in records}
        self.phone_digits = {_digits(v)[-9:] for v in unique if len(_digits(v)) >= 9}
        key = (night.home / "secrets" / "hash_key").read_bytes().strip()
        # The analytics copy publishes identifiers as keyed hashes: those of the subject's are theirs too.
        plain = {v.strip() for v in unique | named} | set(self.values)
        self.values |= {hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in plain}

    def named_in(self, row: dict[str, Any]) -> bool:
        return any(
            self._is_theirs(value) or (ID_COLUMN.search(name) and str(value).strip().lower() in self.bare_ids)
            for name, value in row.items()
            if name not in DLT_LINKS and value is not None
        )

    def _is_theirs(self, value: Any) -> bool:
        if value is None:
            return False
        text = str(value).strip().lower()
        if text in self.values:
            return True
        if text[:1] in "[{":
            try:
                return any(self._is_theirs(leaf) for leaf in _leaves(json.loads(text)))
            except ValueError:
                pass
        return any(_digits(run)[-9:] in self.phone_digits for run in re.findall(r"\+?\d[\d\s().-]{7,}\d", text))


def _standing_for(night: PlantedNight, records: set[tuple[str, str]]) -> set[str]:
    """The IDs that stand for the subject in the newer sources, by the simulator's own record: their browsers (a
    shop's tablet is no one's) and the loyalty accounts of their till records."""
    with (night.home / "simulator" / "web_clients.csv").open(newline="") as handle:
        clients = {
            r["client_id"]
            for r in csv.DictReader(handle)
            if r["person_id"] == night.planted.subject and r["kind"] == "personal"
        }
    till = {r for s, r in records if s == "square"}
    seqs = [seq for seq in range(len(night.truth())) if square_customer_id(seq) in till]
    return clients | {loyalty_account_id(seq) for seq in seqs}


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from _leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _leaves(inner)
    else:
        yield value


def _typed_values(home: Path, records: set[tuple[str, str]]) -> set[str]:
    """The emails and phones the source systems hold on these records, as typed."""
    values: set[str] = set()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for source, (table, columns) in PERSON_TABLES.items():
            ids = sorted(r for s, r in records if s == source)
            for row in con.execute(
                f"select {', '.join(columns)} from {table} where list_contains(?, cast(id as varchar))", [ids]
            ).fetchall():
                values |= {v for v in row if v}
    return values


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _dlt_family(con: duckdb.DuckDBPyConnection, catalog: str, subject: Subject) -> set[str]:
    """dlt ids of the subject's rows in the raw schemas of `catalog`, with their roots and every descendant."""
    linked = [t for t in tables(con, catalog) if "_dlt_id" in t.columns and not t.name.startswith("_dlt")]
    family: set[str] = set()
    rows = {t.ref: _rows(con, f"select * from {catalog}.{t.ref}") for t in linked}
    for table_rows in rows.values():
        for row in table_rows:
            if subject.named_in(row):
                # Its root: dlt's `_dlt_root_id`, or the parent of an arrow child table (one level, no root column).
                root = row.get("_dlt_root_id") or row.get("_dlt_parent_id") or row["_dlt_id"]
                family |= {row["_dlt_id"], root}
    grew = True
    while grew:
        before = len(family)
        for table_rows in rows.values():
            family |= {
                r["_dlt_id"] for r in table_rows if r.get("_dlt_root_id") in family or r.get("_dlt_parent_id") in family
            }
        grew = len(family) > before
    return family


def _changes(
    before: Path, after: Path, subject: Subject, views: set[tuple[str, str]] = frozenset()
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per table of `before`: rows gone that are not the subject's, and rows added. Views (and `views`, tables that
    copy views) are left out: their rows are their tables'."""
    changes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with duckdb.connect(str(after), read_only=True) as con:
        con.execute(f"attach '{before}' as before (read_only)")
        family = _dlt_family(con, "before", subject)
        for table in tables(con, "before"):
            if table.is_view or (table.schema, table.name) in views:
                continue
            gone = _rows(con, f"select * from before.{table.ref} except all select * from {table.ref}")
            added = _rows(con, f"select * from {table.ref} except all select * from before.{table.ref}")
            not_theirs = [r for r in gone if not subject.named_in(r) and not {r.get(c) for c in DLT_LINKS} & family]
            if not_theirs or added:
                changes[f"{table.schema}.{table.name}"] = {"gone": not_theirs, "added": added}
    return changes


@pytest.fixture(scope="module")
def subject(forgotten_planted: ForgottenPlanted) -> Subject:
    return Subject(forgotten_planted.night)


def test_planted_traps_are_in_the_warehouse(forgotten_planted: ForgottenPlanted):
    """The population holds what the forget must not take: strangers with the subject's placeholder phone at the
    till, the household member with the subject's family email."""
    night = forgotten_planted.night
    with duckdb.connect(str(night.home / "warehouse.duckdb"), read_only=True) as con:
        at_the_till = con.execute(
            "select count(*) from raw_square.customers where phone_number = ?", ["0000000000"]
        ).fetchall()[0][0]
        family = con.execute(
            "select count(distinct customer_id) from intermediate.int_person_records as p "
            "join marts.customer_id_map as m using (record_id) where lower(p.email) = ?",
            [night.planted.family_email],
        ).fetchall()[0][0]
    assert at_the_till == 1 + len(night.planted.strangers_at_the_till)
    assert family == 2


def test_forget_leaves_every_row_not_the_subjects_byte_identical(forgotten_planted: ForgottenPlanted, subject):
    night = forgotten_planted.night
    changes = _changes(night.home / "warehouse.duckdb", forgotten_planted.home / "warehouse.duckdb", subject)
    erase = changes.pop("identity.id_history", {"gone": [], "added": []})
    assert changes == {}, f"rows of other people changed: {json.dumps(changes, default=str)[:3000]}"
    # The one row a forget adds outside its own schema: the subject's customer ID erased (a pseudonymous ID).
    assert erase["gone"] == []
    assert [(r["old_customer_id"], r["change"]) for r in erase["added"]] == [(night.customer_id, "erase")]


def test_the_analytics_copy_keeps_every_row_not_the_subjects(forgotten_planted: ForgottenPlanted, subject):
    night = forgotten_planted.night
    with duckdb.connect(str(night.home / "warehouse.duckdb"), read_only=True) as con:
        # The copy holds the warehouse's views as tables (a staging view, the daily segment sizes).
        views = {(t.schema, t.name) for t in tables(con) if t.is_view}
    changes = _changes(night.home / "analytics.duckdb", forgotten_planted.home / "analytics.duckdb", subject, views)
    changes.pop("identity.id_history", None)
    assert changes == {}, f"rows of other people changed: {json.dumps(changes, default=str)[:3000]}"


def test_the_household_member_keeps_profile_segments_and_exports(forgotten_planted: ForgottenPlanted):
    night = forgotten_planted.night
    member = night.member_customer_id
    by_member = {
        "marts.customer_360": "customer_id = ?",
        "marts.segment_membership": "customer_id = ?",
        "marts.segment_history": "customer_id = ?",
        "exports.mailchimp_state": "customer_id = ?",
        "marts.export_log": "customer_id = ?",
    }
    for table, where in by_member.items():
        held = {}
        for label, home in (("before", night.home), ("after", forgotten_planted.home)):
            with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
                held[label] = sorted(map(str, con.execute(f"select * from {table} where {where}", [member]).fetchall()))
        assert held["after"] == held["before"], table
    assert held["before"], "the member should have been sent to the email tool"
    for path in sorted((night.home / "exports").rglob("*.csv")):
        after = forgotten_planted.home / path.relative_to(night.home)
        assert _rows_with(after, night.planted.family_email) == _rows_with(path, night.planted.family_email), path


@pytest.fixture(scope="module")
def forgotten_with_kept_tables(planted_night: PlantedNight, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planted night as a home an upgrade left (dlt_sources/common/upgrade.py): every source's raw tables also
    kept in `raw_<source>__before_upgrade`, then the subject forgotten. The warehouse before the forget is beside
    the home as `before.duckdb`."""
    folder = tmp_path_factory.mktemp("forgotten_with_kept_tables")
    home = folder / "home"
    shutil.copytree(planted_night.home, home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for table in tables(con):
            if table.schema in {f"raw_{s}" for s in PERSON_TABLES} and not table.is_view:
                if not table.name.startswith("_dlt"):
                    con.execute(f"create schema if not exists {quote(kept_schema(table.schema))}")
                    con.execute(f"create table {quote(kept_schema(table.schema))}.{quote(table.name)} as "
                                f"select * from {table.ref}")  # fmt: skip
    shutil.copy(home / "warehouse.duckdb", folder / "before.duckdb")
    result = run_cdp(
        home, "forget", "--customer-id", planted_night.customer_id, extra_env={"CDP_PEOPLE": PLANTED_PEOPLE}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder


def test_forget_reaches_the_older_tables_an_upgrade_kept(forgotten_with_kept_tables: Path, subject):
    before, after = forgotten_with_kept_tables / "before.duckdb", forgotten_with_kept_tables / "home/warehouse.duckdb"
    changes = _changes(before, after, subject)
    changes.pop("identity.id_history", None)
    assert changes == {}, f"rows of other people changed: {json.dumps(changes, default=str)[:3000]}"
    theirs = {}
    for label, path in (("before", before), ("after", after)):
        with duckdb.connect(str(path), read_only=True) as con:
            theirs[label] = {
                table.ref: n
                for table in tables(con)
                if table.schema.endswith("__before_upgrade")
                and (n := sum(map(subject.named_in, _rows(con, f"select * from {table.ref}"))))
            }
    assert theirs["before"], "the kept tables should hold the subject's rows"
    assert theirs["after"] == {}


def _rows_with(path: Path, value: str) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if any(value in cell.lower() for cell in row)]


@pytest.mark.parametrize("kind", ["family email", "placeholder phone"])
def test_an_identifier_that_names_no_one_person_is_refused(
    forgotten_planted: ForgottenPlanted, tmp_path: Path, kind: str
):
    """A household's shared address belongs to two customers, a till's placeholder phone to none: a request naming
    one is refused with what to do instead, and nothing is erased."""
    night = forgotten_planted.night
    home = tmp_path / "home"
    shutil.copytree(night.home, home, ignore=shutil.ignore_patterns("dagster", "dlt"))
    named = ("--email", night.planted.family_email) if kind == "family email" else ("--phone", PLACEHOLDER_PHONE)
    result = run_cdp(home, "forget", *named, extra_env={"CDP_PEOPLE": PLANTED_PEOPLE})
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "--customer-id" in result.stderr
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert not con.sql("select * from information_schema.schemata where schema_name = 'privacy'").fetchall()
