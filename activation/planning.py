"""What to send: the desired state of a destination, and its difference from what the destination acknowledged.

Both are SQL in the warehouse. The desired state has one row per (segment, record key), where the record key is
the destination's own identity of a record (Mailchimp: md5 of the lower-cased email, so two customer IDs sharing an
address are one member and a merge of customer IDs changes nothing there; files: the customer ID). Email tools
also get one row per member for the list itself (segment `*`): its subscription and merge fields. Only customers
whose consent column is true and whose email and phone are not suppressed are desired; whoever the destination
holds and is no longer desired is removed (for the list row: unsubscribed).

A member the destination refused (exports.refused) is left out of the plan while every row planned for them is one it
refused, with the same data: sending it again would only be refused again. Once anything about them changes (their
fields or email, a segment they enter or leave), all their planned rows go out again.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from activation.config import Destination
from activation.state import LIST_ROW
from warehouse import register_keyed_hash
from warehouse.keys import HASH_FUNCTION

PLAN_COLUMNS = [
    "segment", "record_key", "customer_id", "action", "email", "phone", "fields", "fields_hash", "reported",
]  # fmt: skip
ACTIONS = ("add", "update", "remove")
_EMAIL_KINDS = ("mailchimp", "klaviyo_csv")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _fields_sql(destination: Destination) -> str:
    # DuckDB-specific: a JSON object of the destination's fields, one string per customer.
    if not destination.fields:
        return "'{}'"
    pairs = ", ".join(f"{_quote(name)} := {expression}" for name, expression in destination.fields.items())
    return f"cast(to_json(struct_pack({pairs})) as varchar)"


def build_desired(con: duckdb.DuckDBPyConnection, destination: Destination) -> None:
    """Fills the temp table `desired` (segment, record_key, customer_id, email, phone, fields, fields_hash)."""
    # Suppressions kept as keyed hashes (of forgotten people) are compared hashed.
    register_keyed_hash(con)
    record_key = "md5(lower(trim(c.email)))" if destination.kind == "mailchimp" else "c.customer_id"
    identifier = (
        "c.email is not null" if destination.kind in _EMAIL_KINDS else "(c.email is not null or c.phone is not null)"
    )
    con.execute(f"""
        create or replace temp table eligible as
        select c.customer_id, lower(trim(c.email)) as email, c.phone, {record_key} as record_key,
               {_fields_sql(destination)} as fields
        from marts.customer_360 as c
        where coalesce(c.{_quote(destination.consent)}, false)
          and {identifier}
          and not exists (
              select 1 from exports.suppressed as s where s.kind = 'email' and s.value = lower(trim(c.email)))
          and not exists (
              select 1 from exports.suppressed as s
              where s.kind = 'phone' and s.value = regexp_replace(c.phone, '[^0-9]', '', 'g'))
          and not exists (
              select 1 from exports.suppressed as s
              where (s.kind = 'email_hash' and s.value = {HASH_FUNCTION}(lower(trim(c.email))))
                 or (s.kind = 'phone_hash' and s.value = {HASH_FUNCTION}(regexp_replace(c.phone, '[^0-9]', '', 'g'))))
    """)
    # Email tools keep merge fields (and the phone) on the list row only: a segment row is just a tag.
    tags_only = destination.kind == "mailchimp"
    segment_fields = "''" if tags_only else "arg_min(e.fields, e.customer_id)"
    segment_phone = "cast(null as varchar)" if tags_only else "arg_min(e.phone, e.customer_id)"
    con.execute(
        f"""
        create or replace temp table desired as
        select m.segment, e.record_key, min(e.customer_id) as customer_id,
               arg_min(e.email, e.customer_id) as email, {segment_phone} as phone,
               {segment_fields} as fields
        from marts.segment_membership as m
        join eligible as e on e.customer_id = m.customer_id
        where list_contains(?, m.segment)
        group by m.segment, e.record_key
        """,
        [list(destination.segments)],
    )
    if destination.kind == "mailchimp":
        con.execute(f"""
            insert into desired
            select '{LIST_ROW}', e.record_key, min(e.customer_id), arg_min(e.email, e.customer_id),
                   arg_min(e.phone, e.customer_id), arg_min(e.fields, e.customer_id)
            from eligible as e
            where e.record_key in (select record_key from desired)
               or e.record_key in (select record_key from {destination.state_table} where segment = '{LIST_ROW}')
            group by e.record_key
        """)
    con.execute("""
        alter table desired add column fields_hash varchar;
        update desired set fields_hash = md5(concat_ws('|', coalesce(email, ''), coalesce(phone, ''), fields));
    """)


def plan(con: duckdb.DuckDBPyConnection, destination: Destination) -> pd.DataFrame:
    """The difference between the desired state and the destination's state: adds, updates and removes, less the
    members it refused whose planned rows are unchanged since."""
    build_desired(con, destination)
    frame = con.execute(
        f"""
        select diff.*
        from (
            select coalesce(d.segment, s.segment) as segment,
                   coalesce(d.record_key, s.record_key) as record_key,
                   coalesce(d.customer_id, s.customer_id) as customer_id,
                   case when s.record_key is null then 'add' when d.record_key is null then 'remove' else 'update' end
                       as action,
                   coalesce(d.email, s.email) as email,
                   coalesce(d.phone, s.phone) as phone,
                   d.fields,
                   d.fields_hash,
                   -- the destination itself reported the address unsubscribed or bounced: nothing left to tell it
                   exists (
                       select 1 from exports.suppressed as x
                       where x.kind = 'email' and x.source = $destination and x.value = coalesce(d.email, s.email)
                   ) as reported
            from desired as d
            full outer join {destination.state_table} as s
                on d.segment = s.segment and d.record_key = s.record_key
            where s.record_key is null or d.record_key is null or d.fields_hash is distinct from s.fields_hash
        ) as diff
        left join exports.refused as r
            on r.destination = $destination and r.segment = diff.segment and r.record_key = diff.record_key
           and r.fields_hash is not distinct from diff.fields_hash
        qualify not bool_and(r.record_key is not null) over (partition by diff.record_key)
        order by diff.record_key, diff.segment
        """,
        {"destination": destination.name},
    ).df()[PLAN_COLUMNS]
    return _with_none(frame)


def drop_stale_refusals(con: duckdb.DuckDBPyConnection, destination: Destination) -> None:
    """Forgets refusals of rows no longer desired (after `plan`): nothing of them is to be sent any more."""
    con.execute(
        """delete from exports.refused as r
           where r.destination = ?
             and not exists (select 1 from desired as d where d.segment = r.segment and d.record_key = r.record_key)""",
        [destination.name],
    )


def desired_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The desired state built by the last `plan` call on this connection (what a file snapshot contains)."""
    return _with_none(con.sql("select * from desired order by segment, customer_id").df())


def _with_none(frame: pd.DataFrame) -> pd.DataFrame:
    # pandas shows missing text as NaN, which is truthy; senders and file writers test for None.
    return frame.astype(object).where(frame.notna(), None)


def summarise(plan_frame: pd.DataFrame) -> pd.DataFrame:
    """Planned rows per segment and action, for the dry run and the logs."""
    if plan_frame.empty:
        return pd.DataFrame(columns=["segment", *ACTIONS])
    counts = plan_frame.groupby(["segment", "action"]).size().unstack(fill_value=0)
    return counts.reindex(columns=list(ACTIONS), fill_value=0).reset_index()
