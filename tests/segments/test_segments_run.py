"""Segments after real nightly runs: every declared model is a segment, membership and history agree, and the
export assets hang below the segments they send."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import duckdb
from dagster import AssetKey

from activation.config import load_destinations
from cdp_orchestration.segments.catalog import segments_in_manifest
from cdp_orchestration.transform.project import manifest
from warehouse import REPO_ROOT

SEGMENT_FILES = sorted((REPO_ROOT / "dbt_project" / "models" / "marts" / "segments").glob("seg_*.sql"))


def test_every_segment_file_is_a_declared_segment_with_an_owner() -> None:
    segments = segments_in_manifest(manifest())
    assert sorted(s.model for s in segments) == [path.stem for path in SEGMENT_FILES]
    assert all(s.owner and s.description for s in segments)
    assert len(segments) >= 12


def test_membership_equals_the_segment_models_and_the_open_stays(home: Path) -> None:
    segments = segments_in_manifest(manifest())
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        candidates = {
            (segment.name, customer_id)
            for segment in segments
            for (customer_id,) in con.sql(f"select customer_id from marts.{segment.model}").fetchall()
        }
        membership = set(con.sql("select segment, customer_id from marts.segment_membership").fetchall())
        open_stays = set(
            con.sql("select segment, customer_id from marts.segment_history where exited_at is null").fetchall()
        )
        declared = {s.name for s in segments}
        in_candidates = {segment for segment, _ in candidates}
        unknown_customers = con.sql(
            "select count(*) from marts.segment_membership where customer_id not in "
            "(select customer_id from marts.customer_360)"
        ).fetchall()[0][0]
    assert candidates == membership == open_stays
    assert in_candidates <= declared and len(in_candidates) >= 10
    assert unknown_customers == 0


def test_stays_are_stamped_with_the_sources_clock_not_the_machines(home: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        as_of = con.sql("select as_of_at from intermediate.int_run_as_of").fetchall()[0][0]
        stamps = con.sql(
            "select entered_at from marts.segment_history union select exited_at from marts.segment_history "
            "where exited_at is not null"
        ).fetchall()
        sizes = con.sql("select segment, day, members from marts.segment_sizes_daily order by day desc").fetchall()
        members = dict(con.sql("select segment, count(*) from marts.segment_membership group by 1").fetchall())
    # The simulator's clock reads 02:00 UTC on each simulated day; the machine's clock almost never does.
    assert all(stamp.timetz() == time(2, 0, tzinfo=stamp.tzinfo) and stamp <= as_of for (stamp,) in stamps)
    latest = {segment: count for segment, day, count in sizes if day == as_of.date()}
    assert latest == {segment: members.get(segment, 0) for segment in latest} and latest


def test_exports_depend_on_the_segments_they_send() -> None:
    from cdp_orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    for destination in load_destinations():
        node = graph.get(AssetKey(["exports", destination.name]))
        parents = {key.to_user_string() for key in node.parent_keys}
        # and the holdouts every export honours (activation/holdouts.py)
        assert parents == {f"segments/{segment}" for segment in destination.segments} | {"campaigns/assignments"}
        assert node.group_name == "exports"
    membership = graph.get(AssetKey(["marts", "segment_membership"]))
    assert {f"marts/{path.stem}" for path in SEGMENT_FILES} <= {k.to_user_string() for k in membership.parent_keys}
