"""The facts the watchdog reads from the analytics copy, on planted tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from operations import read_health

NOW = datetime(2026, 7, 4, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def planted(in_home: Callable[[Path], None], tmp_path: Path) -> Path:
    home = tmp_path / "home"
    in_home(home)
    home.mkdir()
    with duckdb.connect(str(home / "analytics.duckdb")) as con:
        con.execute("""
            create schema meta; create schema exports; create schema "identity";
            create table meta.source_clock (source_system varchar, observed_at timestamptz, run_id varchar,
                                            recorded_at timestamptz);
            create table meta.source_loads (source_system varchar, run_id varchar, rows_loaded bigint,
                                            rows_quarantined bigint, loaded_at timestamptz);
            create table exports.syncs (sync_id varchar, run_id varchar, destination varchar, started_at timestamptz,
                                        finished_at timestamptz, sent bigint, failed bigint, skipped bigint);
            create table "identity".resolution_runs (run_id varchar, resolved_at timestamptz, records bigint,
                customers bigint, merges bigint, splits bigint, erases bigint, pairs_kept bigint,
                largest_cluster bigint, model_trained boolean, seconds double);
        """)
        # Three nights: square's clock stands still after the first; shopify's moves but brings nothing after the
        # second; hubspot's last load quarantined 30 % where the one before quarantined 1 %.
        for night, (run, recorded) in enumerate([("r1", NOW - 3 * DAY), ("r2", NOW - 2 * DAY), ("r3", NOW - DAY)]):
            clock = datetime(2026, 6, 1, tzinfo=UTC) + night * DAY
            con.execute("insert into meta.source_clock values ('shopify', ?, ?, ?)", [clock, run, recorded])
            con.execute("insert into meta.source_clock values ('square', '2026-06-01', ?, ?)", [run, recorded])
            shopify = [(100, 1), (50, 0), (0, 0)][night]
            con.execute("insert into meta.source_loads values ('shopify', ?, ?, ?, ?)", [run, *shopify, recorded])
            con.execute("insert into meta.source_loads values ('square', ?, 10, 0, ?)", [run, recorded])
        con.execute("insert into meta.source_loads values ('hubspot', 'r3', 70, 30, ?)", [NOW - DAY])
        con.execute("insert into meta.source_loads values ('hubspot', 'r2', 99, 1, ?)", [NOW - 2 * DAY])
        con.execute("""insert into exports.syncs values
            ('s1', 'r1', 'mailchimp', '2026-07-01', '2026-07-01', 100, 0, 0),
            ('s2', 'r2', 'mailchimp', '2026-07-02', '2026-07-02', 90, 10, 0),
            ('s3', 'r3', 'mailchimp', '2026-07-03', '2026-07-03', 80, 20, 0),
            ('s4', 'r4', 'mailchimp', '2026-07-04', null, 0, 0, 0)""")
        con.execute("""insert into "identity".resolution_runs values
            ('r1', '2026-07-01', 1000, 700, 0, 0, 0, 0, 4, true, 1),
            ('r2', '2026-07-02', 1010, 705, 0, 0, 0, 0, 6, false, 1),
            ('r3', '2026-07-03', 1020, 500, 0, 0, 0, 0, 30, false, 1)""")
    return home


def test_what_the_nights_left_behind(planted: Path) -> None:
    health = read_health([], NOW)
    sources = {s.source: s for s in health.sources}
    assert sources["square"].last_new_at == NOW - 3 * DAY  # its clock never moved after the first night
    assert sources["shopify"].last_new_at == NOW - 2 * DAY  # its clock moved, but the last load brought nothing
    assert sources["shopify"].clock == datetime(2026, 6, 3, tzinfo=UTC)
    (mailchimp,) = health.destinations
    # The unfinished sync s4 is the failed night's to tell; s2 and s3 failed in a row.
    assert (mailchimp.sent, mailchimp.failed, mailchimp.failing_since) == (80, 20, datetime(2026, 7, 2, tzinfo=UTC))
    assert health.identity is not None
    assert (health.identity.largest_cluster, health.identity.usual_largest_cluster) == (30, 5)
    assert health.identity.usual_share_merged == pytest.approx((0.3 + 1 - 705 / 1010) / 2)


def test_quarantine_share_against_the_loads_before(planted: Path) -> None:
    with duckdb.connect(str(planted / "analytics.duckdb")) as con:
        con.execute("insert into meta.source_clock values ('hubspot', '2026-06-02', 'r2', ?)", [NOW - 2 * DAY])
        con.execute("insert into meta.source_clock values ('hubspot', '2026-06-03', 'r3', ?)", [NOW - DAY])
    hubspot = next(s for s in read_health([], NOW).sources if s.source == "hubspot")
    assert (hubspot.rows_loaded, hubspot.rows_quarantined) == (70, 30)
    assert (hubspot.quarantine_share, hubspot.usual_quarantine_share) == (0.3, 0.01)


def test_without_an_analytics_copy_only_the_nights_and_the_disk_are_known(
    in_home: Callable[[Path], None], tmp_path: Path
) -> None:
    in_home(tmp_path / "empty")
    health = read_health([], NOW)
    assert health.sources == [] and "no night has succeeded" in (health.warehouse_note or "")
    assert health.disk.free_bytes > 0
