"""`cdp forget`: erasing one person everywhere the CDP keeps them, and keeping them erased.

The warehouse is copied into a fresh file without the person's rows, with the request log and the erased
identifiers, and swapped in (compact.py): no deleted page lingers, and a forget that fails leaves the warehouse as it
was. Whoever keeps the person outside the warehouse and must be told (an email tool, through the next sync) is
given the subject first, by the `before_erasure` hooks of the caller. Then files outside the warehouse are cleaned,
and the analytics copy is published again from the cleaned warehouse.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb

from privacy import files
from privacy.analytics_copy import publish_copy
from privacy.compact import NEW, OLD, rewriting
from privacy.erase import copy_without
from privacy.person import Subject, find_subject
from privacy.store import ensure_tables, lift, log_request, now, record_erased
from warehouse import analytics_path, cdp_home, connect, warehouse_path

# Told about the subject before their rows leave the warehouse; returns what it keeps for later, per place.
BeforeErasure = Callable[[duckdb.DuckDBPyConnection, Subject], dict[str, int]]


@dataclass
class ForgetResult:
    request_id: str
    customers: int
    records: int
    counts: dict[str, int] = field(default_factory=dict)
    kept_for_later: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase, in order

    def lines(self) -> list[str]:
        lines = [f"request {self.request_id}: {self.customers} customer(s), {self.records} source record(s)"]
        lines += [f"  erased {n:>6}  {where}" for where, n in sorted(self.counts.items())]
        owed = sorted(self.kept_for_later.items())
        lines += [f"  owed   {n:>6}  {where}: removals the next sync sends" for where, n in owed]
        lines += [f"  took   {s:>6.1f} s  {phase}" for phase, s in self.seconds.items()]
        return lines


def forget(kind: str, identifier: str, requested_by: str, before_erasure: Sequence[BeforeErasure] = ()) -> ForgetResult:
    """Erases the person `identifier` belongs to from the warehouse, exports, logs and the analytics copy."""
    request_id = uuid.uuid4().hex
    laps = _Laps()
    kept: dict[str, int] = {}
    with rewriting(warehouse_path()) as con:
        subject = find_subject(con, kind, identifier)
        laps.lap("person found")
        counts = copy_without(con, subject)
        con.execute(f"use {NEW}")
        ensure_tables(con)
        for customer_id in sorted(subject.customer_ids):
            con.execute(
                "insert into identity.id_history values (?, null, 'erase', ?, ?)",
                [customer_id, f"privacy:{request_id}", now()],
            )
        record_erased(con, request_id, subject)
        log_request(con, request_id, requested_by, "forget", kind, identifier, subject, counts)
        # Before the swap: a forget that stops after it is run again, but what a hook did not keep would be lost.
        # Hooks read the warehouse as it was, with the person still in it.
        con.execute(f"use {OLD}")
        for hook in before_erasure:
            kept |= hook(con, subject)
    laps.lap("warehouse rewritten without them")
    home = cdp_home()
    counts |= files.rewrite_exports(home / "exports", subject)
    counts["logs (identifiers redacted)"] = sum(files.redact_logs(home, subject).values())
    counts["dlt load packages"] = files.drop_loaded_packages(home)
    # The identity report names record IDs; the next night writes it anew without the person.
    (home / "identity" / "report.html").unlink(missing_ok=True)
    laps.lap("export files, logs and load packages cleaned")
    if analytics_path().exists():
        publish_copy()
        laps.lap("analytics copy published again")
    return ForgetResult(request_id, len(subject.customer_ids), len(subject.records), counts, kept, laps.seconds)


def lift_suppression(kind: str, identifier: str, requested_by: str) -> int:
    """Ends the screening of a forgotten person (their next load is kept again); returns hashes removed."""
    request_id = uuid.uuid4().hex
    with connect() as con:
        ensure_tables(con)
        subject = find_subject(con, kind, identifier)
        removed = lift(con, subject)
        log_request(con, request_id, requested_by, "lift", kind, identifier, subject, {"erased_identifiers": removed})
    return removed


@dataclass
class _Laps:
    """Wall time per phase: each lap ends the phase that started where the last one ended."""

    seconds: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def lap(self, phase: str) -> None:
        ended = time.perf_counter()
        self.seconds[phase] = ended - self.started
        self.started = ended
