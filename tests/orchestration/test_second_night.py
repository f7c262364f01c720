"""Two nights on one state folder (the session's first, copied, and the next day's): IDs stay put, a new day loads
only its changes, overrides hold."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from simulator import advance_day
from tests.conftest import run_cdp, run_dbt

ATTRIBUTES = ("first_name", "last_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country")


def assignments(home: Path) -> dict[str, str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.sql("select record_id, customer_id from identity.customer_assignments").fetchall())


def person_records(home: Path) -> dict[str, tuple]:
    """Each person record's attributes as the night handed them to identity resolution."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(f"select record_id, {', '.join(ATTRIBUTES)} from intermediate.int_person_records").fetchall()
    return {r[0]: tuple(map(str, r[1:])) for r in rows}


def households(home: Path) -> dict[str, str]:
    """The simulator's truth: each record's household."""
    with (home / "simulator" / "truth.csv").open(newline="") as handle:
        return {f"{r['source_system']}:{r['source_record_id']}": r["household_id"] for r in csv.DictReader(handle)}


def members(assignment: dict[str, str]) -> dict[str, frozenset[str]]:
    """Customer ID -> its records."""
    out: dict[str, set[str]] = {}
    for record, customer in assignment.items():
        out.setdefault(customer, set()).add(record)
    return {c: frozenset(r) for c, r in out.items()}


@dataclass
class TwoNights:
    home: Path
    before: dict[str, str]  # record -> customer ID after night one
    after: dict[str, str]  # ... after night two
    merged: list[str]  # records of the customer the analyst split
    singles: list[str]  # two records the analyst joined
    loaded_first: dict[str, int]  # source -> rows loaded
    loaded_second: dict[str, int]
    changed: set[str]  # records new or with other attributes on night two


@pytest.fixture(scope="module")
def two_nights(nightly_run: subprocess.CompletedProcess, home_copy: Path) -> TwoNights:
    """The session's first night (on a copy of its home), then an analyst's overrides and the next day's night."""
    home = home_copy
    before = assignments(home)
    records_before = person_records(home)
    # The analyst forces apart the two records of the first merged customer, and joins two strangers; all of them
    # buyers, so that their order lines change customer on the second night.
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        buyers = {r for (r,) in con.sql("select distinct customer_record_id from marts.fct_order_lines").fetchall()}
    by_customer: dict[str, list[str]] = {}
    for record, customer in sorted(before.items()):
        by_customer.setdefault(customer, []).append(record)
    merged = next(records for records in by_customer.values() if len(records) >= 2 and buyers.issuperset(records))
    singles = [records[0] for records in by_customer.values() if len(records) == 1 and buyers.issuperset(records)][:2]
    overrides = home.parent / "overrides.csv"
    with overrides.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id_l", "record_id_r", "decision", "reason", "author"])
        writer.writerow([merged[0], merged[1], "different", "test: not the same person", "tests"])
        writer.writerow([singles[0], singles[1], "same", "test: the same person", "tests"])
    advance_day(1, home=home)
    second = run_cdp(home, "run", extra_env={"CDP_IDENTITY_OVERRIDES": str(overrides)})
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    changed = {r for r, values in person_records(home).items() if records_before.get(r) != values}
    loaded_first, loaded_second = rows_loaded(nightly_run.stdout), rows_loaded(second.stdout)
    return TwoNights(home, before, assignments(home), merged, singles, loaded_first, loaded_second, changed)


def test_customer_ids_are_stable_across_nights(two_nights: TwoNights) -> None:
    home, before, after, changed = two_nights.home, two_nights.before, two_nights.after, two_nights.changed
    merged, singles = two_nights.merged, two_nights.singles
    assert all(r in after for r in before), "no record was deleted: every one of night one is assigned"
    old_before = members(before)
    old_after = {c: rs & set(before) for c, rs in members(after).items()}
    # The promise: a customer whose night-one records are still together and alone keeps its ID.
    kept_whole = [r for r in before if old_after[after[r]] == old_before[before[r]]]
    assert [r for r in kept_whole if after[r] != before[r]] == []
    # And a customer is merged or split only by the night's changes: new or edited records of that household
    # (by the simulator's truth; shared emails and phones stay within one) or the analyst's overrides.
    household = households(home)
    touched = {household[r] for r in changed} | {household[r] for r in (*merged[:2], *singles)}
    regrouped = [r for r in before if old_after[after[r]] != old_before[before[r]]]
    unexplained = [
        r for r in regrouped if not {household[x] for x in old_before[before[r]] | members(after)[after[r]]} & touched
    ]
    assert unexplained == [], unexplained
    assert changed, "the simulated day brings new and edited records"
    # The night was resolved incrementally, and said so.
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        runs = con.sql(
            "select incremental, changed_records from identity.resolution_runs order by resolved_at"
        ).fetchall()
    assert [incremental for incremental, _ in runs] == [False, True]
    assert 0 < runs[1][1] < len(after) / 4


def test_new_records_get_new_ids(two_nights: TwoNights) -> None:
    before, after = two_nights.before, two_nights.after
    new = set(after) - set(before)
    assert new, "a new simulated day brings new customers"
    assert all(after[r].startswith("cus_") for r in new)


def test_overrides_are_respected(two_nights: TwoNights) -> None:
    after, merged, singles = two_nights.after, two_nights.merged, two_nights.singles
    assert after[merged[0]] != after[merged[1]]
    assert after[singles[0]] == after[singles[1]]


def rows_loaded(summary: str) -> dict[str, int]:
    """source → rows loaded, from the run summary's table."""
    rows = re.findall(r"^(shopify|square|hubspot|web)\s+([\d,]+)\s+[\d,]+$", summary, re.MULTILINE)
    return {source: int(count.replace(",", "")) for source, count in rows}


def test_an_incremental_night_loads_only_the_days_changes(two_nights: TwoNights) -> None:
    first, second = two_nights.loaded_first, two_nights.loaded_second
    assert set(first) == set(second) == {"shopify", "square", "hubspot", "web"}
    # A simulated day touches a few percent of the sources' records.
    assert all(0 < second[source] < first[source] / 4 for source in first), (first, second)


def test_a_nights_second_dbt_step_does_not_parse_the_project_again(two_nights: TwoNights) -> None:
    """dbt keeps a home's parse of the project between its builds: the marts' build of the second night reads the
    parse the night's first build made, in a home that is a copy of another (it parsed the whole project again,
    twice a night, when it was given a parse made for another home's warehouse)."""
    marts_log = max((two_nights.home / "logs").glob("dbt-*-dbt_marts.log"), key=lambda log: log.stat().st_mtime)
    assert "Unable to do partial parsing" not in marts_log.read_text(), marts_log.read_text()[:500]


def full_refresh(home: Path, target: Path) -> list[dict]:
    """`dbt run --full-refresh` of the whole project on `home`, as an engineer rebuilds after changing a model; the
    models it built (from its manifest)."""
    run_dbt(home, target, "run", "--full-refresh")
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    return [node for node in nodes if node["resource_type"] == "model"]


def rows_apart(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """Rows of the nights' `relation` the full refresh's lacks, and the other way round (as multisets)."""
    # By name: a column an incremental model added later (on_schema_change) comes last in its table. A sum of
    # doubles depends on the order DuckDB's threads add them in, to the last bits: doubles are compared to 1e-6.
    columns = ", ".join(
        f'round("{name}", 6)' if str(kind) in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind, *_ in sorted(con.sql(f"select * from nights.{relation}").description)
    )
    nights, refreshed = f"select {columns} from nights.{relation}", f"select {columns} from refreshed.{relation}"
    only_nights = con.execute(f"select count(*) from ({nights} except all {refreshed})").fetchone()[0]
    only_refreshed = con.execute(f"select count(*) from ({refreshed} except all {nights})").fetchone()[0]
    return only_nights, only_refreshed


def test_a_full_refresh_after_the_incremental_night_rebuilds_every_table_identically(
    two_nights: TwoNights, tmp_path: Path
) -> None:
    """The incremental models of the second night (merged on their keys) hold what a rebuild from the sources holds."""
    refreshed = tmp_path / "home"
    shutil.copytree(two_nights.home, refreshed)
    models = full_refresh(refreshed, tmp_path / "target")
    incremental = [m["name"] for m in models if m["config"]["materialized"] == "incremental"]
    assert incremental, "the project has incremental models, which the second night built on the first's tables"
    with duckdb.connect() as con:
        con.execute(f"attach '{two_nights.home / 'warehouse.duckdb'}' as nights (read_only)")
        con.execute(f"attach '{refreshed / 'warehouse.duckdb'}' as refreshed (read_only)")
        apart = {
            m["name"]: rows_apart(con, f'"{m["schema"]}"."{m["alias"]}"')
            for m in models
            if m["config"]["materialized"] in ("table", "incremental")
        }
    assert {name: rows for name, rows in apart.items() if rows != (0, 0)} == {}
