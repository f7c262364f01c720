"""What API destinations still owe a forgotten person: their removal, kept outside the warehouse until a sync sends it.

An email tool keeps a forgotten member until a sync unsubscribes them and removes their tags, which needs the member's
key and email. Left in the destination's state table, they would stay in the warehouse file's bytes after the sync
deleted them (DuckDB does not overwrite deleted rows), so `cdp forget` moves them to one owner-only file, each sync
sends what it holds for its destination and drops what the destination acknowledged, and the file goes when empty.

Each removal carries its forget's request and is due only once the warehouse holds that request (the forget's swap
took effect): a forget stopped before it leaves the person in the warehouse and their export state as it was, and a
sync must then neither erase them nor send them again. The next forget drops such removals (forgets run one at a
time, so no other is under way).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from activation.config import load_destinations
from activation.planning import PLAN_COLUMNS
from activation.state import Outcome
from identity.normalize import normalize_email
from privacy import committed_requests, erased_hashes
from warehouse import cdp_home, keyed_hash

OWED_COLUMNS = ("segment", "record_key", "customer_id", "email")
Owed = dict[str, list[dict[str, str | None]]]  # destination → rows of OWED_COLUMNS and the forget's request_id


def owed_path() -> Path:
    return cdp_home() / "privacy" / "pending_removals.json"


def owe_removals(
    con: duckdb.DuckDBPyConnection, customer_ids: Iterable[str], emails: Iterable[str], request_id: str
) -> dict[str, int]:
    """Keeps what every API destination holds of a person about to be forgotten (their rows in its state table),
    in the owed-removals file, due once `request_id` takes effect; returns rows owed per destination.

    `cdp forget` calls it before the person's rows leave the warehouse, reading the warehouse as it was.
    """
    owed = {
        d: [{**row, "request_id": request_id} for row in rows] for d, rows in collect(con, customer_ids, emails).items()
    }
    add(owed, committed_requests(con))
    return {destination: len(rows) for destination, rows in owed.items()}


def collect(con: duckdb.DuckDBPyConnection, customer_ids: Iterable[str], emails: Iterable[str]) -> Owed:
    """The person's rows in the state table of every API destination (what those destinations hold of them)."""
    emails = sorted({e.strip().lower() for e in emails})
    owed: Owed = {}
    for destination in (d for d in load_destinations() if d.is_api):
        try:
            rows = con.execute(
                f"""select {", ".join(OWED_COLUMNS)} from {destination.state_table}
                    where list_contains(?, customer_id) or list_contains(?, lower(trim(email)))""",
                [sorted(customer_ids), emails],
            ).fetchall()
        except duckdb.CatalogException:  # never synced
            continue
        if rows:
            owed[destination.name] = [dict(zip(OWED_COLUMNS, row, strict=True)) for row in rows]
    return owed


def add(owed: Owed, committed: frozenset[str]) -> None:
    """Adds removals to the file (a row already there once stays once, with its latest request), and drops those of
    forgets that stopped before taking effect (their request is not in `committed`)."""
    merged = {d: [r for r in rows if _is_due(r, committed)] for d, rows in _read().items()}
    for destination, rows in owed.items():
        new = {(r["segment"], r["record_key"]) for r in rows}
        kept = [r for r in merged.get(destination, []) if (r["segment"], r["record_key"]) not in new]
        merged[destination] = kept + rows
    _write(merged)


def removals(con: duckdb.DuckDBPyConnection, destination: str) -> pd.DataFrame:
    """The removals due to `destination` (their forget took effect in the warehouse `con` reads), as planned rows
    (`exports.planning.PLAN_COLUMNS`)."""
    committed = committed_requests(con)
    due = (r for r in _read().get(destination, []) if _is_due(r, committed))
    rows = sorted(({c: r[c] for c in OWED_COLUMNS} for r in due), key=lambda r: (r["record_key"], r["segment"]))
    planned = [
        {**row, "action": "remove", "phone": None, "fields": None, "fields_hash": None, "reported": False}
        for row in rows
    ]
    return pd.DataFrame(planned, columns=PLAN_COLUMNS, dtype=object)


def settle(destination: str, outcomes: Iterable[Outcome]) -> None:
    """Drops the removals the destination acknowledged (or had nothing to remove for); failed ones stay owed."""
    done = {(o.segment, o.record_key) for o in outcomes if o.status in ("sent", "skipped")}
    owed = _read()
    if done and destination in owed:
        owed[destination] = [r for r in owed[destination] if (r["segment"], r["record_key"]) not in done]
        _write(owed)


def without_forgotten(con: duckdb.DuckDBPyConnection, reported: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (email, status) pairs a destination reports, less forgotten people's: once unsubscribed for their
    erasure they are reported at every sync, and their address must not come back as a suppression."""
    hashes = erased_hashes(con)
    if not hashes:
        return reported

    def forgotten(email: str) -> bool:
        forms = {normalize_email(email), normalize_email(email, canonical_mailbox=False)}
        return any(keyed_hash(form) in hashes for form in forms if form)

    return [(email, status) for email, status in reported if not forgotten(email)]


def _is_due(row: dict[str, str | None], committed: frozenset[str]) -> bool:
    # Removals kept before requests were recorded with them are due.
    return row.get("request_id") is None or row["request_id"] in committed


def _read() -> Owed:
    path = owed_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write(owed: Owed) -> None:
    path = owed_path()
    owed = {destination: rows for destination, rows in owed.items() if rows}
    if not owed:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
        json.dump(owed, handle, indent=1, sort_keys=True)
    os.replace(partial, path)
