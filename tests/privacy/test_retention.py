"""Retention: raw email events older than the configured window are deleted, as of the sources' clock."""

from __future__ import annotations

import shutil
from datetime import timedelta

import duckdb

from cdp_orchestration.privacy.retention import apply_retention, retention_rules


def test_the_default_policy_keeps_email_events_24_months():
    rule = next(r for r in retention_rules() if r.name == "email_events")
    assert rule.keep_days == 730 and rule.source == "hubspot"


def test_events_past_the_window_are_deleted_everywhere_and_nothing_else(nightly_run, cdp_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(cdp_home, home, ignore=shutil.ignore_patterns("dagster", "dlt", "simulator"))
    policy = tmp_path / "retention.yml"
    policy.write_text("""rules:
  - name: email_events
    source: hubspot
    keep_days: 10
    tables:
      - table: raw_hubspot.email_events
        timestamp: to_timestamp(created / 1000)
      - table: marts.fct_customer_events
        timestamp: event_at
        where: starts_with(event_type, 'email_')
""")
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
        deleted = apply_retention(con, "hubspot")
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
        assert apply_retention(con, "square") == {}
