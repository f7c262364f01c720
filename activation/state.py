"""Export state: what each destination has acknowledged, the suppressions, and the export log.

All of it is history no model can rebuild (CONTRACT §4), so Python owns these tables and a dbt full refresh leaves
them alone. State changes are committed per acknowledged batch, together with their log rows: a sync that stops
midway resumes from exactly what the destination confirmed, and nobody acknowledged is sent again.
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
"""

STATE_COLUMNS = "segment, record_key, customer_id, email, phone, fields_hash, sync_id, acknowledged_at"


@dataclass(frozen=True)
class Outcome:
    """What became of one planned row: sent (acknowledged), failed (retry next sync) or skipped (nothing to send).

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
    con.execute("insert into exports.syncs values (?, ?, ?, ?, null, 0, 0, 0)", [sync_id, run_id, destination, _now()])


def finish_sync(con: duckdb.DuckDBPyConnection, sync_id: str, counts: dict[str, int]) -> None:
    con.execute(
        "update exports.syncs set finished_at = ?, sent = ?, failed = ?, skipped = ? where sync_id = ?",
        [_now(), counts.get("sent", 0), counts.get("failed", 0), counts.get("skipped", 0), sync_id],
    )


def acknowledge(
    con: duckdb.DuckDBPyConnection,
    destination: Destination,
    outcomes: list[Outcome],
    sync_id: str,
    run_id: str,
) -> None:
    """Applies what the destination confirmed to its state and logs every outcome, in one transaction.

    Acknowledged adds and updates take their planned values into the state, acknowledged or skipped removals leave
    it. Failed rows change nothing but the log. The log of a person `cdp forget` erased keeps what was done and
    when, not their record key (Mailchimp's is the md5 of their email) nor the key or email inside an error.
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
        con.execute(f"""
            delete from {destination.state_table} as state
            using outcomes_in as o
            where o.status in ('sent', 'skipped') and state.segment = o.segment and state.record_key = o.record_key
        """)
        con.execute(
            f"""insert into {destination.state_table} ({STATE_COLUMNS})
                select segment, record_key, customer_id, email, phone, fields_hash, ?, ?
                from outcomes_in
                where status = 'sent' and action in ('add', 'update')""",
            [sync_id, now],
        )
        con.execute(
            """insert into marts.export_log
               select ?, ?, ?, nullif(segment, ?), customer_id, logged_key, action, status, logged_error, ?
               from outcomes_in""",
            [sync_id, run_id, destination.name, LIST_ROW, now],
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
