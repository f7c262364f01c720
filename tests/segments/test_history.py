"""Segment stays from the segment models' members: entries and exits at the run's as-of time, reruns
idempotent, merges remapped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from activation.segment_history import SegmentChanges, apply_segments

NIGHT_1 = datetime(2026, 6, 1, 2, tzinfo=UTC)
NIGHT_2 = NIGHT_1 + timedelta(days=1)
NIGHT_3 = NIGHT_2 + timedelta(days=1)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""
        create schema marts; create schema identity;
        create table marts.seg_vip (customer_id varchar);
        create table marts.seg_lapsed (customer_id varchar);
        create table marts.seg_at_risk (customer_id varchar);
        create table identity.id_history (old_customer_id varchar, new_customer_id varchar, change varchar,
                                          run_id varchar, changed_at timestamptz);
    """)
    return con


SEGMENT_MODELS = {"vip": "marts.seg_vip", "lapsed": "marts.seg_lapsed", "at_risk": "marts.seg_at_risk"}


def candidates(con: duckdb.DuckDBPyConnection, *pairs: tuple[str, str]) -> None:
    """What each segment model holds tonight: (segment, customer_id) pairs."""
    for segment, relation in SEGMENT_MODELS.items():
        con.execute(f"delete from {relation}")
        members = [[customer] for name, customer in pairs if name == segment]
        if members:
            con.executemany(f"insert into {relation} values (?)", members)


def apply_candidates(con: duckdb.DuckDBPyConnection, night: datetime) -> SegmentChanges:
    return apply_segments(con, SEGMENT_MODELS, night)


def stays(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(con.sql("select segment, customer_id, entered_at, exited_at from marts.segment_history").fetchall())


def test_entries_and_exits_are_stamped_with_the_as_of_time(con: duckdb.DuckDBPyConnection) -> None:
    candidates(con, ("vip", "a"), ("vip", "b"))
    first = apply_candidates(con, NIGHT_1)
    assert first.entered == {"vip": 2} and first.members == {"vip": 2}
    candidates(con, ("vip", "b"), ("lapsed", "a"))
    second = apply_candidates(con, NIGHT_2)
    assert (second.entered, second.exited) == ({"lapsed": 1}, {"vip": 1})
    assert stays(con) == {
        ("vip", "a", NIGHT_1, NIGHT_2),
        ("vip", "b", NIGHT_1, None),
        ("lapsed", "a", NIGHT_2, None),
    }
    membership = set(con.sql("select * from marts.segment_membership").fetchall())
    assert membership == {("vip", "b", NIGHT_1), ("lapsed", "a", NIGHT_2)}


def test_a_rerun_of_the_same_night_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    candidates(con, ("vip", "a"))
    apply_candidates(con, NIGHT_1)
    before = stays(con)
    again = apply_candidates(con, NIGHT_1)
    assert (again.entered, again.exited) == ({}, {}) and stays(con) == before


def test_coming_back_is_a_new_stay(con: duckdb.DuckDBPyConnection) -> None:
    candidates(con, ("vip", "a"))
    apply_candidates(con, NIGHT_1)
    candidates(con)
    apply_candidates(con, NIGHT_2)
    candidates(con, ("vip", "a"))
    apply_candidates(con, NIGHT_3)
    assert stays(con) == {("vip", "a", NIGHT_1, NIGHT_2), ("vip", "a", NIGHT_3, None)}


def test_merged_ids_keep_their_stay_under_the_surviving_id(con: duckdb.DuckDBPyConnection) -> None:
    candidates(con, ("vip", "old"), ("vip", "kept"), ("lapsed", "old"), ("at_risk", "older"))
    apply_candidates(con, NIGHT_1)
    con.execute("""insert into identity.id_history values
        ('old', 'kept', 'merge', 'r2', now()), ('older', 'old', 'merge', 'r1', now() - interval 1 hour)""")
    candidates(con, ("vip", "kept"), ("lapsed", "kept"), ("at_risk", "kept"))
    changes = apply_candidates(con, NIGHT_2)
    assert (changes.entered, changes.exited, changes.remapped) == ({}, {}, 3)
    assert stays(con) == {
        ("vip", "kept", NIGHT_1, None),
        ("lapsed", "kept", NIGHT_1, None),
        ("at_risk", "kept", NIGHT_1, None),
    }
