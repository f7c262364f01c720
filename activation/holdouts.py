"""Holdouts: who each campaign keeps back, so that what it brought can be measured (marts.campaign_results).

Two kinds, each a scope of `campaigns.assignments`: one global control group (scope `*`, a share of all customers
kept out of every campaign) and each segment's holdout (scope = the segment, `meta: {holdout_pct: N}` of its dbt
model). A customer is assigned in a scope the first time they are seen there (every customer for the control group,
a segment's members for its holdout), and the row is never computed again: a new share, a new household or a new
key moves nobody already assigned. The group is decided by the installation's keyed hash (warehouse.keys) of the
scope and the unit, so it is reproducible and nobody can steer it: the unit is the household when the scope mails
households (the control group always does, and so does a segment that asks for one letter per household or that a
destination sends that way), so a held-out member never sees the partner's letter; otherwise the customer. A customer
new to a scope whose household already has a member assigned there takes that member's group.

Customer-ID merges (identity.id_history) move assignments to the surviving ID, which keeps the earliest of those
merged into it: a customer held out stays held out through identity's changes of mind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from activation.segment_history import merge_targets
from warehouse import register_keyed_hash, registered, transaction
from warehouse.keys import HASH_FUNCTION

CONTROL = "*"
BUCKETS = 10_000  # shares are taken in hundredths of a percent
DDL = """
create schema if not exists campaigns;
create table if not exists campaigns.assignments (
    scope varchar not null, customer_id varchar not null, unit varchar not null, held_out boolean not null,
    share_pct double not null, assigned_at timestamptz not null, primary key (scope, customer_id));
create table if not exists campaigns.scopes (
    scope varchar primary key, share_pct double not null, per_household boolean not null,
    one_per_household boolean not null);
"""


@dataclass(frozen=True)
class Scope:
    """A control group or a segment's holdout: its share in percent, whether it is assigned by household (it mails
    households somewhere), and whether the segment itself asks for one recipient per household everywhere."""

    name: str
    share_pct: float
    per_household: bool
    one_per_household: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.share_pct < 100:
            raise ValueError(f"holdout of {self.name!r}: {self.share_pct} is not a share in percent (0 to under 100)")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def assign(con: duckdb.DuckDBPyConnection, scopes: list[Scope], as_of: datetime) -> dict[str, tuple[int, int]]:
    """Assigns everyone new to each scope, after moving the assignments of merged IDs; returns per scope the
    (held out, assigned) counts. `scopes` replaces campaigns.scopes, which the exports read."""
    ensure_tables(con)
    register_keyed_hash(con)
    with registered(con, merges_in=merge_targets(con)), transaction(con):
        _follow_merges(con)
        con.execute("delete from campaigns.scopes")
        con.executemany(
            "insert into campaigns.scopes values (?, ?, ?, ?)",
            [(s.name, s.share_pct, s.per_household, s.one_per_household) for s in scopes],
        )
        for scope in scopes:
            if scope.share_pct or scope.name == CONTROL:
                _assign_scope(con, scope, as_of)
        counts = con.execute(
            """select scope, count(*) filter (where held_out), count(*) from campaigns.assignments
               where scope in (select scope from campaigns.scopes) group by scope"""
        ).fetchall()
    return {scope: (held, total) for scope, held, total in counts}


def _follow_merges(con: duckdb.DuckDBPyConnection) -> None:
    moved = con.sql("""
        select count(*) from campaigns.assignments as a join merges_in as m on a.customer_id = m.old_customer_id
    """).fetchall()[0][0]
    if not moved:
        return
    con.execute("""
        create or replace temp table surviving as
        select scope, coalesce(m.new_customer_id, a.customer_id) as customer_id, unit, held_out, share_pct, assigned_at
        from campaigns.assignments as a
        left join merges_in as m on a.customer_id = m.old_customer_id
        qualify row_number() over (
            partition by scope, coalesce(m.new_customer_id, a.customer_id)
            order by assigned_at, held_out desc, a.customer_id) = 1
    """)
    con.execute("delete from campaigns.assignments")
    con.execute("insert into campaigns.assignments select * from surviving")


def _assign_scope(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: datetime) -> None:
    seen = (
        "select customer_id from marts.customer_360"
        if scope.name == CONTROL
        else "select customer_id from marts.segment_membership where segment = $scope"
    )
    unit = "c.household_id" if scope.per_household else "c.customer_id"
    con.execute(
        f"""
        insert into campaigns.assignments
        with newcomers as (
            select c.customer_id, c.household_id, {unit} as unit
            from marts.customer_360 as c
            where c.customer_id in ({seen})
              and c.customer_id not in (select customer_id from campaigns.assignments where scope = $scope)
        ),
        households as (
            select c.household_id, bool_or(a.held_out) as held_out
            from campaigns.assignments as a
            join marts.customer_360 as c on c.customer_id = a.customer_id
            where a.scope = $scope and $per_household
            group by c.household_id
        )
        select $scope, n.customer_id, n.unit,
               coalesce(
                   h.held_out,
                   ('0x' || left({HASH_FUNCTION}('holdout|' || $scope || '|' || n.unit), 8))::ubigint % {BUCKETS}
                       < $share * {BUCKETS // 100}
               ),
               $share, $as_of
        from newcomers as n
        left join households as h on h.household_id = n.household_id
        """,
        {"scope": scope.name, "per_household": scope.per_household, "share": scope.share_pct, "as_of": as_of},
    )
