"""Export state: what each destination has acknowledged or refused, the suppressions, and the export log.

All of it is history no model can rebuild (CONTRACT §4), so Python owns these tables and a dbt full refresh leaves
them alone. State changes are committed per acknowledged batch, together with their log rows: a sync that stops
midway resumes from exactly what the destination confirmed, and nobody acknowledged is sent again.

Before a request goes out, its rows are written to `exports.in_flight`; the answer's outcomes replace them. Rows a
sync left there were sent without an answer (the process died): the next sync of that destination logs them
`unconfirmed` (the destination may have applied them) and, as they were never acknowledged, sends them again, so
`marts.export_log` shows every send the destination may have seen.

A member the destination refuses (its data, not the destination, is the problem) is kept in `exports.refused` with
the hash of the data refused: it is not sent again until that data changes (planning.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from activation.config import Destination
from warehouse import registered, transaction

# A destination's list membership itself (status and fields) rather than one of its segments.
LIST_ROW = "*"
# What the log shows in place of an erased person's identifiers.
ERASED = "[erased]"

DDL = """
create schema if not exists exports;
create schema if not exists marts;
create table if not exists marts.export_log (
    sync_id varchar not null, run_id varchar, destination varchar not null, segment varchar, customer_id varchar,
    record_key varchar, action varchar not null, status varchar not null, error varchar, sent_at timestamptz not null);
create table if not exists exports.suppressed (
    kind varchar not null, value varchar not null, source varchar not null, reason varchar,
    recorded_at timestamptz not null, primary key (kind, value, source));
create table if not exists exports.syncs (
    sync_id varchar primary key, run_id varchar, destination varchar, started_at timestamptz,
    finished_at timestamptz, sent bigint, failed bigint, skipped bigint);
alter table exports.syncs add column if not exists refused bigint;
create table if not exists exports.in_flight (
    sync_id varchar not null, run_id varchar, destination varchar not null, segment varchar not null,
    record_key varchar not null, customer_id varchar, action varchar not null, sent_at timestamptz not null,
    primary key (sync_id, segment, record_key));
create table if not exists exports.refused (
    destination varchar not null, segment varchar not null, record_key varchar not null, customer_id varchar,
    fields_hash varchar, sync_id varchar, refused_at timestamptz not null,
    primary key (destination, segment, record_key));
"""
UNCONFIRMED = (
    "the sync stopped before {destination} answered: it may have applied this, and the next sync sends it again"
)

STATE_COLUMNS = "segment, record_key, customer_id, email, phone, fields_hash, sync_id, acknowledged_at"


@dataclass(frozen=True)
class Outcome:
    """What became of one planned row: sent (acknowledged), failed (the destination could not be reached or did not
    answer: retried next sync), refused (the destination refused this member's data: retried when it changes) or
    skipped (nothing to send).

    It carries the row's planned values, which an acknowledged add or update writes into the state.
    """

    segment: str
    record_key: str
    customer_id: str | None
    action: str
    status: str
    error: str | None = None
    email: str | None = None
    phone: str | None = None
    fields_hash: str | None = None


def outcome(row: Any, status: str, error: str | None = None) -> Outcome:
    """The outcome of a planned row (a tuple from `plan.itertuples()`)."""
    return Outcome(
        row.segment, row.record_key, row.customer_id, row.action, status, error, row.email, row.phone, row.fields_hash
    )


def ensure_tables(con: duckdb.DuckDBPyConnection, destinations: Iterable[Destination] = ()) -> None:
    con.execute(DDL)
    for destination in destinations:
        con.execute(f"""
            create table if not exists {destination.state_table} (
                segment varchar not null, record_key varchar not null, customer_id varchar, email varchar,
                phone varchar, fields_hash varchar, sync_id varchar, acknowledged_at timestamptz,
                primary key (segment, record_key))
        """)


def start_sync(con: duckdb.DuckDBPyConnection, sync_id: str, run_id: str, destination: str) -> None:
    """Records the sync's start, after logging what an earlier sync of `destination` sent without an answer."""
    unanswered = con.execute(
        """select sync_id, run_id, segment, record_key, customer_id, action, sent_at
           from exports.in_flight where destination = ? order by sent_at, segment, record_key""",
        [destination],
    ).fetchall()
    erased = _erased_customers(con) if unanswered else set()
    error = UNCONFIRMED.format(destination=destination)
    with transaction(con):
        if unanswered:
            con.executemany(
                "insert into marts.export_log values (?, ?, ?, ?, ?, ?, ?, 'unconfirmed', ?, ?)",
                [
                    (old_sync, old_run, destination, None if segment == LIST_ROW else segment, customer_id,
                     None if customer_id in erased else record_key, action, error, sent_at)
                    for old_sync, old_run, segment, record_key, customer_id, action, sent_at in unanswered
                ],
            )  # fmt: skip
            con.execute("delete from exports.in_flight where destination = ?", [destination])
        con.execute(
            "insert into exports.syncs values (?, ?, ?, ?, null, 0, 0, 0, 0)", [sync_id, run_id, destination, _now()]
        )


def finish_sync(con: duckdb.DuckDBPyConnection, sync_id: str, counts: dict[str, int]) -> None:
    con.execute(
        "update exports.syncs set finished_at = ?, sent = ?, failed = ?, skipped = ?, refused = ? where sync_id = ?",
        [_now(), *(counts.get(status, 0) for status in ("sent", "failed", "skipped", "refused")), sync_id],
    )


def sending(
    con: duckdb.DuckDBPyConnection, destination: Destination, rows: list[Any], sync_id: str, run_id: str
) -> None:
    """Records planned rows (tuples from `plan.itertuples()`) as in flight, before the request carrying them."""
    if not rows:
        return
    frame = pd.DataFrame(
        [(row.segment, row.record_key, row.customer_id, row.action) for row in rows],
        columns=["segment", "record_key", "customer_id", "action"],
        dtype=object,
    )
    with registered(con, rows_in=frame):
        con.execute(
            """insert or replace into exports.in_flight
               select ?, ?, ?, segment, record_key, customer_id, action, ? from rows_in""",
            [sync_id, run_id, destination.name, _now()],
        )


def acknowledge(
    con: duckdb.DuckDBPyConnection,
    destination: Destination,
    outcomes: list[Outcome],
    sync_id: str,
    run_id: str,
) -> None:
    """Applies what the destination answered to its state and logs every outcome, in one transaction.

    Acknowledged adds and updates take their planned values into the state, acknowledged or skipped removals leave
    it. Refused rows are kept in `exports.refused` with the hash of the data refused; failed rows change nothing but
    the log. Either way the rows are no longer in flight. The log of a person `cdp forget` erased keeps what was
    done and when, not their record key (Mailchimp's is the md5 of their email) nor the key or email inside an error.
    """
    if not outcomes:
        return
    now = _now()
    erased = _erased_customers(con)
    frame = pd.DataFrame(
        [{**o.__dict__, **_logged(o, o.customer_id in erased)} for o in outcomes],
        columns=[*Outcome.__dataclass_fields__, "logged_key", "logged_error"],
        dtype=object,
    )
    with registered(con, outcomes_in=frame), transaction(con):
        # Converted once: each statement below would read the data frame again.
        con.execute("create or replace temp table answered as select * from outcomes_in")
        con.execute(f"""
            delete from {destination.state_table} as state
            using answered as o
            where o.status in ('sent', 'skipped') and state.segment = o.segment and state.record_key = o.record_key
        """)
        con.execute(
            f"""insert into {destination.state_table} ({STATE_COLUMNS})
                select segment, record_key, customer_id, email, phone, fields_hash, ?, ?
                from answered
                where status = 'sent' and action in ('add', 'update')""",
            [sync_id, now],
        )
        con.execute(
            """insert into marts.export_log
               select ?, ?, ?, nullif(segment, ?), customer_id, logged_key, action, status, logged_error, ?
               from answered""",
            [sync_id, run_id, destination.name, LIST_ROW, now],
        )
        con.execute(
            """delete from exports.in_flight as f using answered as o
               where f.sync_id = ? and f.segment = o.segment and f.record_key = o.record_key""",
            [sync_id],
        )
        con.execute(
            """delete from exports.refused as r using answered as o
               where r.destination = ? and r.segment = o.segment and r.record_key = o.record_key
                 and o.status in ('sent', 'skipped', 'refused')""",
            [destination.name],
        )
        con.execute(
            """insert into exports.refused
               select ?, segment, record_key, customer_id, fields_hash, ?, ?
               from answered where status = 'refused'""",
            [destination.name, sync_id, now],
        )


def _erased_customers(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Customer IDs erased by `cdp forget` (CONTRACT §4: `identity.id_history` rows with change `erase`)."""
    try:
        rows = con.execute("select old_customer_id from identity.id_history where change = 'erase'").fetchall()
    except duckdb.CatalogException:  # a warehouse identity resolution has not written yet
        return set()
    return {customer_id for (customer_id,) in rows}


def _logged(outcome: Outcome, erased: bool) -> dict[str, str | None]:
    """The record key and error the log keeps of an outcome."""
    if not erased:
        return {"logged_key": outcome.record_key, "logged_error": outcome.error}
    error = outcome.error
    if error:
        for identifier in filter(None, (outcome.record_key, outcome.email)):
            error = re.sub(re.escape(identifier), ERASED, error, flags=re.IGNORECASE)
    return {"logged_key": None, "logged_error": error}


def _now() -> datetime:
    # When a record was sent is a fact about the wall clock, unlike segment entries (the sources' as-of time).
    return datetime.now(UTC)
