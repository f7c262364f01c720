"""Retention: raw data older than its configured window is deleted by the nightly run, as of the sources' clock."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from privacy.retention import apply_retention, retention_rules
from tests.conftest import run_cdp
from warehouse.loads import record_source_clock

SHORT_POLICY = """rules:
  - name: email_events
    source: hubspot
    keep_days: {days}
    tables:
      - table: raw_hubspot.email_events
        timestamp: to_timestamp(created / 1000)
      - table: marts.fct_customer_events
        timestamp: event_at
        where: starts_with(event_type, 'email_')
"""


def test_the_default_policy_keeps_email_events_24_months_and_abandoned_checkouts_12():
    rules = {r.name: r for r in retention_rules()}
    assert (rules["email_events"].keep_days, rules["email_events"].source) == (730, "hubspot")
    assert (rules["abandoned_checkouts"].keep_days, rules["abandoned_checkouts"].source) == (365, "shopify")


def test_the_nightly_run_kept_no_abandoned_checkout_past_its_window(built_warehouse):
    as_of = built_warehouse.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
    cutoff = as_of - timedelta(days=365)
    old, kept = built_warehouse.execute(
        "select count(*) filter (where created_at < ?), count(*) from raw_shopify.checkouts", [cutoff]
    ).fetchall()[0]
    assert old == 0 and kept > 0
    assert (
        built_warehouse.execute(
            "select count(*) from marts.fct_customer_events where event_type = 'checkout_abandoned' and event_at < ?",
            [cutoff],
        ).fetchall()[0][0]
        == 0
    )
    assert (
        built_warehouse.sql(
            "select count(*) from raw_shopify.checkouts__line_items "
            "where _dlt_parent_id not in (select _dlt_id from raw_shopify.checkouts)"
        ).fetchall()[0][0]
        == 0
    )


def test_moving_the_sources_clock_past_the_window_deletes_what_fell_out(nightly_run, cdp_home, tmp_path):
    """Email events inside a 30-day window on the first night fall out of it when the sources' clock moves on; the
    next nightly run deletes them from the raw table, the timeline and dlt's files, and keeps the rest."""
    home = tmp_path / "home"
    shutil.copytree(cdp_home, home)
    policy = tmp_path / "retention.yml"
    policy.write_text(SHORT_POLICY.format(days=30))
    old_events = "select count(*) from raw_hubspot.email_events where to_timestamp(created / 1000) < ?"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        as_of = con.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
        # What falls out once the clock moves 5 days on: events 25 to 30 days old tonight.
        falling_out = con.execute(old_events, [as_of - timedelta(days=25)]).fetchall()[0][0]
        assert con.execute(old_events, [as_of - timedelta(days=30)]).fetchall()[0][0] == 0, "the window held all"
        (expiring,) = con.execute(
            "select id from raw_hubspot.email_events where to_timestamp(created / 1000) < ? order by id limit 1",
            [as_of - timedelta(days=25)],
        ).fetchall()[0]
        held_before = _tables_holding_email_event(con, expiring)
    assert falling_out > 0, "the session's email events should reach back past 25 days"
    assert run_cdp(home, "advance-day", "5").returncode == 0
    result = run_cdp(home, "run", extra_env={"CDP_RETENTION_FILE": str(policy)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        moved_to = con.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
        cutoff = moved_to - timedelta(days=30)
        assert moved_to >= as_of + timedelta(days=5)
        assert con.execute(old_events, [cutoff]).fetchall()[0][0] == 0
        assert (
            con.execute(
                "select count(*) from marts.fct_customer_events "
                "where starts_with(event_type, 'email_') and event_at < ?",
                [cutoff],
            ).fetchall()[0][0]
            == 0
        )
        assert con.sql("select count(*) from raw_hubspot.email_events").fetchall()[0][0] > 0
        # The models that keep what they built on earlier nights (incremental) let it go too.
        assert held_before and _tables_holding_email_event(con, expiring) == []
    # dlt keeps every night's raw payloads on disk (uncompressed parquet: the id is there as bytes) unless deleted.
    assert _files_holding(home / "dlt", expiring) == []
    assert list((home / "dlt").glob("*/load/loaded/*")) == []


def _tables_holding_email_event(con: duckdb.DuckDBPyConnection, event_id: object) -> list[str]:
    """The warehouse's tables and views that name this email event by its key (`email_event_id`)."""
    named = con.sql(
        "select table_schema, table_name from information_schema.columns where column_name = 'email_event_id'"
    ).fetchall()
    return [
        f"{schema}.{table}"
        for schema, table in named
        if con.execute(
            f'select count(*) from "{schema}"."{table}" where email_event_id = ?', [str(event_id)]
        ).fetchone()[0]
    ]


def _files_holding(folder, value: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and value.encode() in p.read_bytes()]


def test_events_past_the_window_are_deleted_everywhere_and_nothing_else(nightly_run, cdp_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(cdp_home, home, ignore=shutil.ignore_patterns("dagster", "dlt", "simulator"))
    policy = tmp_path / "retention.yml"
    policy.write_text(SHORT_POLICY.format(days=10))
    monkeypatch.setenv("CDP_RETENTION_FILE", str(policy))
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        as_of = con.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
        cutoff = as_of - timedelta(days=10)
        old_raw, total_raw = con.execute(
            "select count(*) filter (where to_timestamp(created / 1000) < ?), count(*) from raw_hubspot.email_events",
            [cutoff],
        ).fetchall()[0]
        other_events = con.sql(
            "select count(*) from marts.fct_customer_events where not starts_with(event_type, 'email_')"
        ).fetchall()[0][0]
        assert 0 < old_raw < total_raw, "the session's data should straddle the test window"
        deleted = apply_retention(con)
        assert deleted["raw_hubspot.email_events"] == old_raw
        assert (
            con.execute(
                "select count(*) from raw_hubspot.email_events where to_timestamp(created / 1000) < ?", [cutoff]
            ).fetchall()[0][0]
            == 0
        )
        assert (
            con.execute(
                "select count(*) from marts.fct_customer_events where starts_with(event_type, 'email_') "
                "and event_at < ?",
                [cutoff],
            ).fetchall()[0][0]
            == 0
        )
        assert (
            con.sql(
                "select count(*) from marts.fct_customer_events where not starts_with(event_type, 'email_')"
            ).fetchall()[0][0]
            == other_events
        )
        assert (
            con.sql(
                "select count(*) from raw_hubspot.email_events__subscriptions where _dlt_parent_id not in "
                "(select _dlt_id from raw_hubspot.email_events)"
            ).fetchall()[0][0]
            == 0
        )


def test_one_future_date_header_deletes_nothing_inside_the_window(nightly_run, cdp_home, tmp_path, monkeypatch):
    """One source answers once with a `Date` ten years ahead (a misconfigured proxy, a clock reset): the data
    inside the window, counted back from the clock the other sources and the past agree on, all stays."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(cdp_home / "warehouse.duckdb", warehouse)
    policy = tmp_path / "retention.yml"
    policy.write_text(SHORT_POLICY.format(days=30))
    monkeypatch.setenv("CDP_RETENTION_FILE", str(policy))
    inside = "select count(*) from raw_hubspot.email_events where to_timestamp(created / 1000) >= ?"
    with duckdb.connect(str(warehouse)) as con:
        as_of = con.sql("select max(observed_at) from meta.source_clock").fetchall()[0][0]
        held = con.execute(inside, [as_of - timedelta(days=30)]).fetchall()[0][0]
        assert held > 0
        con.execute(
            "insert into meta.source_clock values ('hubspot', ?, 'next-run', now())", [as_of + timedelta(days=3650)]
        )
        apply_retention(con)
        assert con.execute(inside, [as_of - timedelta(days=30)]).fetchall()[0][0] == held


@pytest.fixture
def carts_kept_ten_days(tmp_path, monkeypatch) -> datetime:
    """A policy keeping the shop's carts (`raw_shop.carts`, by `created`) ten days; the source clock's day to record."""
    policy = tmp_path / "retention.yml"
    policy.write_text(
        "rules:\n  - {name: carts, source: shop, keep_days: 10,\n"
        "     tables: [{table: raw_shop.carts, timestamp: created}]}\n"
    )
    monkeypatch.setenv("CDP_RETENTION_FILE", str(policy))
    return datetime(2026, 6, 1, tzinfo=UTC)


def test_grandchild_rows_go_with_their_parents_parent(carts_kept_ten_days: datetime):
    """dlt nests lists of lists as `table__list__list`, linked to the child row above it, not to the root."""
    as_of = carts_kept_ten_days
    with duckdb.connect() as con:
        con.execute("""
            create schema raw_shop;
            create table raw_shop.carts (created timestamptz, _dlt_id varchar);
            create table raw_shop.carts__lines (_dlt_id varchar, _dlt_parent_id varchar, _dlt_root_id varchar);
            create table raw_shop.carts__lines__options (_dlt_id varchar, _dlt_parent_id varchar, _dlt_root_id varchar);
        """)
        record_source_clock(con, "shop", as_of, "r1")
        con.execute(
            "insert into raw_shop.carts values (?, 'old'), (?, 'new')",
            [as_of - timedelta(days=30), as_of - timedelta(days=1)],
        )
        con.execute("insert into raw_shop.carts__lines values ('old-1', 'old', 'old'), ('new-1', 'new', 'new')")
        con.execute(
            "insert into raw_shop.carts__lines__options values ('old-1-a', 'old-1', 'old'), ('new-1-a', 'new-1', 'new')"
        )
        apply_retention(con)
        kept = {
            table: sorted(r for (r,) in con.sql(f"select _dlt_id from raw_shop.{table}").fetchall())
            for table in ("carts", "carts__lines", "carts__lines__options")
        }
    assert kept == {"carts": ["new"], "carts__lines": ["new-1"], "carts__lines__options": ["new-1-a"]}


def test_the_older_tables_an_upgrade_kept_lose_their_rows_past_the_window_too(carts_kept_ten_days: datetime):
    """An upgrade keeps a source's older tables in `raw_<source>__before_upgrade` (dlt_sources/common/upgrade.py):
    personal data all the same, whose window does not stop while the user checks the reload."""
    as_of = carts_kept_ten_days
    with duckdb.connect() as con:
        con.execute("""
            create schema raw_shop;
            create table raw_shop.carts (created timestamptz, _dlt_id varchar);
            create schema raw_shop__before_upgrade;
            create table raw_shop__before_upgrade.carts (created timestamptz, _dlt_id varchar);
            create table raw_shop__before_upgrade.carts__lines (_dlt_id varchar, _dlt_parent_id varchar);
        """)
        record_source_clock(con, "shop", as_of, "r1")
        for schema in ("raw_shop", "raw_shop__before_upgrade"):
            con.execute(
                f"insert into {schema}.carts values (?, 'old'), (?, 'new')",
                [as_of - timedelta(days=30), as_of - timedelta(days=1)],
            )
        con.execute("insert into raw_shop__before_upgrade.carts__lines values ('old-1', 'old'), ('new-1', 'new')")
        apply_retention(con)
        kept = {
            table: sorted(r for (r,) in con.sql(f"select _dlt_id from {table}").fetchall())
            for table in ("raw_shop.carts", "raw_shop__before_upgrade.carts", "raw_shop__before_upgrade.carts__lines")
        }
    assert kept == {
        "raw_shop.carts": ["new"],
        "raw_shop__before_upgrade.carts": ["new"],
        "raw_shop__before_upgrade.carts__lines": ["new-1"],
    }
