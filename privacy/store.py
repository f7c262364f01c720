"""The privacy area's own tables: the request log (no personal data) and the keyed hashes of erased identifiers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from privacy.person import Subject
from warehouse import has_table, keyed_hash

DDL = """
create schema if not exists privacy;
create table if not exists privacy.requests (
    request_id varchar primary key, requested_by varchar, requested_at timestamptz not null, action varchar not null,
    kind varchar not null, identifier_hash varchar not null, customers bigint, records bigint, counts varchar);
create table if not exists privacy.erased_identifiers (
    identifier_hash varchar not null, kind varchar not null, request_id varchar not null,
    erased_at timestamptz not null);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def identifier_hashes(subject: Subject) -> set[tuple[str, str]]:
    """(kind, keyed hash) of every normalised email, phone, source record ID and customer ID of the subject."""
    hashes = {("email", keyed_hash(e)) for e in subject.normalised_emails()}
    hashes |= {("phone", keyed_hash(p)) for p in subject.normalised_phones()}
    hashes |= {("record", keyed_hash(r)) for r in subject.record_ids}
    # Not screened (customer IDs are the CDP's own), but lets `--lift --customer-id` find the request.
    hashes |= {("customer", keyed_hash(c)) for c in subject.customer_ids}
    return hashes


def log_request(
    con: duckdb.DuckDBPyConnection,
    request_id: str,
    requested_by: str,
    action: str,
    kind: str,
    identifier: str,
    subject: Subject,
    counts: dict[str, int],
) -> None:
    con.execute(
        "insert into privacy.requests values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            request_id, requested_by, now(), action, kind, keyed_hash(identifier.strip().lower()),
            len(subject.customer_ids), len(subject.records), json.dumps(counts, sort_keys=True),
        ],
    )  # fmt: skip


def record_erased(con: duckdb.DuckDBPyConnection, request_id: str, subject: Subject) -> int:
    rows = [[h, kind, request_id, now()] for kind, h in sorted(identifier_hashes(subject))]
    if rows:
        con.executemany("insert into privacy.erased_identifiers values (?, ?, ?, ?)", rows)
    return len(rows)


def lift(con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    """Deletes the erased identifiers of every request that matched one of the subject's identifiers."""
    hashes = sorted(h for _, h in identifier_hashes(subject))
    (n,) = con.execute(
        """delete from privacy.erased_identifiers where request_id in (
               select request_id from privacy.erased_identifiers where list_contains(?, identifier_hash))""",
        [hashes],
    ).fetchall()[0]
    return int(n)


def committed_requests(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The requests the warehouse holds: a forget's request is there once its erasure took effect (the swap)."""
    if not has_table(con, "privacy", "requests"):
        return frozenset()
    return frozenset(r for (r,) in con.sql("select request_id from privacy.requests").fetchall())


def erased_hashes(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    if not has_table(con, "privacy", "erased_identifiers"):
        return frozenset()
    return frozenset(h for (h,) in con.sql("select identifier_hash from privacy.erased_identifiers").fetchall())


def now() -> datetime:
    # When a request was handled is a fact about the wall clock (like an export's sent_at).
    return datetime.now(UTC)
