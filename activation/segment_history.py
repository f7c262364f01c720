"""marts.segment_history and marts.segment_membership: segment stays, owned by Python so a dbt full refresh keeps them.

Entries and exits are stamped with the run's as-of time (CONTRACT §4), never the machine's clock, so a rerun of the
same night changes nothing and history reads in the sources' time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from warehouse import registered, transaction

DDL = """
create schema if not exists marts;
create table if not exists marts.segment_history (
    segment varchar not null, customer_id varchar not null, entered_at timestamptz not null, exited_at timestamptz);
create table if not exists marts.segment_membership (
    segment varchar not null, customer_id varchar not null, entered_at timestamptz not null,
    primary key (segment, customer_id));
create or replace view marts.segment_sizes_daily as
with bounds as (
    select min(entered_at)::date as first_day,
           greatest(max(entered_at), coalesce(max(exited_at), max(entered_at)))::date as last_day
    from marts.segment_history
),
days as (
    select cast(day as date) as day
    from bounds, generate_series(bounds.first_day, bounds.last_day, interval 1 day) as t(day)
),
segments as (select distinct segment from marts.segment_history)
select segments.segment, days.day,
       count(history.customer_id) as members
from segments cross join days
left join marts.segment_history as history
    on history.segment = segments.segment
    and history.entered_at::date <= days.day
    and (history.exited_at is null or history.exited_at::date > days.day)
group by all
order by segments.segment, days.day;
"""


@dataclass(frozen=True)
class SegmentChanges:
    entered: dict[str, int]
    exited: dict[str, int]
    members: dict[str, int]
    remapped: int


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def merge_targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Old → surviving customer ID for every merge in identity.id_history, chains followed to their end."""
    try:
        rows = con.sql(
            "select old_customer_id, new_customer_id from identity.id_history "
            "where change = 'merge' and new_customer_id is not null order by changed_at"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    target = dict(rows)
    final: dict[str, str] = {}
    for old in target:
        seen, current = {old}, target[old]
        while current in target and current not in seen:
            seen.add(current)
            current = target[current]
        final[old] = current
    return pd.DataFrame({"old_customer_id": list(final), "new_customer_id": list(final.values())}, dtype="string")


def run_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The run's as-of time (CONTRACT §4), as the models computed it from the sources' clock."""
    return con.sql("select as_of_at from intermediate.int_run_as_of").fetchall()[0][0]


def members_query(relations: dict[str, str]) -> str:
    """One row per (segment, customer) of the segment models; `relations` maps segment name → qualified relation."""
    selects = [
        f"select distinct '{segment}' as segment, cast(customer_id as varchar) as customer_id from {relation} "
        "where customer_id is not null"
        for segment, relation in sorted(relations.items())
    ]
    return " union all ".join(selects) or "select null::varchar as segment, null::varchar as customer_id where false"


def apply_segments(con: duckdb.DuckDBPyConnection, relations: dict[str, str], as_of: datetime) -> SegmentChanges:
    """Turns the members of each segment model (`relations`: segment name → relation) into stays, in one transaction.

    Open stays of merged-away IDs move to the surviving ID first (keeping the earliest entry), so a merge is not
    read as one customer leaving and another entering.
    """
    ensure_tables(con)
    with registered(con, merges_in=merge_targets(con)), transaction(con):
        con.execute("""
            create or replace temp table remapped as
            select history.segment, coalesce(merges.new_customer_id, history.customer_id) as customer_id,
                   min(history.entered_at) as entered_at, count(merges.old_customer_id) as moved
            from marts.segment_history as history
            left join merges_in as merges on history.customer_id = merges.old_customer_id
            where history.exited_at is null
            group by all
        """)
        remapped = con.sql("select coalesce(sum(moved), 0) from remapped").fetchall()[0][0]
        if remapped:
            con.execute("delete from marts.segment_history where exited_at is null")
            con.execute("insert into marts.segment_history select segment, customer_id, entered_at, null from remapped")
        con.execute(f"create or replace temp table candidates as {members_query(relations)}")
        exited = con.execute(
            """update marts.segment_history set exited_at = ?
               where exited_at is null
                 and not exists (
                     select 1 from candidates
                     where candidates.segment = segment_history.segment
                       and candidates.customer_id = segment_history.customer_id)
               returning segment""",
            [as_of],
        ).fetchall()
        entered = con.execute(
            """insert into marts.segment_history
               select segment, customer_id, ?, null from candidates
               where not exists (
                   select 1 from marts.segment_history as open_stays
                   where open_stays.exited_at is null
                     and open_stays.segment = candidates.segment
                     and open_stays.customer_id = candidates.customer_id)
               returning segment""",
            [as_of],
        ).fetchall()
        con.execute("delete from marts.segment_membership")
        con.execute("""
            insert into marts.segment_membership
            select segment, customer_id, entered_at from marts.segment_history where exited_at is null
        """)
        members = dict(con.sql("select segment, count(*) from marts.segment_membership group by 1").fetchall())
    return SegmentChanges(_count(entered), _count(exited), members, int(remapped))


def _count(rows: list[tuple[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (segment,) in rows:
        counts[segment] = counts.get(segment, 0) + 1
    return counts
