"""`cdp forget`: erasing one person everywhere the CDP keeps them, and keeping them erased.

Order matters: the warehouse rows go in one transaction (with the request log and the erased identifiers), then
the file is rewritten so the deleted pages are gone, then files outside the warehouse, then the analytics copy is
published again from the cleaned warehouse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import duckdb

from cdp_orchestration.privacy import files
from cdp_orchestration.privacy.compact import compact
from cdp_orchestration.privacy.erase import erase_rows
from cdp_orchestration.privacy.person import Subject, find_subject
from cdp_orchestration.privacy.store import ensure_tables, lift, log_request, now, record_erased
from cdp_orchestration.settings import analytics_path, cdp_home, warehouse_path


@dataclass
class ForgetResult:
    request_id: str
    customers: int
    records: int
    counts: dict[str, int] = field(default_factory=dict)
    pending_removal: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"request {self.request_id}: {self.customers} customer(s), {self.records} source record(s)"]
        lines += [f"  erased {n:>6}  {where}" for where, n in sorted(self.counts.items())]
        lines += [
            f"  kept   {n:>6}  {where} (until the next sync removes them from the destination)"
            for where, n in sorted(self.pending_removal.items())
        ]
        return lines


def api_state_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """The state tables of API destinations: they must still know the person so the next sync removes them."""
    from cdp_orchestration.exports.config import load_destinations

    return {tuple(d.state_table.split(".", 1)) for d in load_destinations() if d.is_api}  # type: ignore[misc]


def forget(kind: str, identifier: str, requested_by: str) -> ForgetResult:
    """Erases the person `identifier` belongs to from the warehouse, exports, logs and the analytics copy."""
    request_id = uuid.uuid4().hex
    with duckdb.connect(str(warehouse_path())) as con:
        ensure_tables(con)
        subject = find_subject(con, kind, identifier)
        pending = api_state_tables(con)
        con.execute("begin transaction")
        counts = erase_rows(con, subject, kept=pending)
        for customer_id in sorted(subject.customer_ids):
            con.execute(
                "insert into identity.id_history values (?, null, 'erase', ?, ?)",
                [customer_id, f"privacy:{request_id}", now()],
            )
        record_erased(con, request_id, subject)
        log_request(con, request_id, requested_by, "forget", kind, identifier, subject, counts)
        con.execute("commit")
        waiting = _pending_rows(con, subject, pending)
        _keep_only_what_removal_needs(con, subject, pending)
    compact(warehouse_path())
    home = cdp_home()
    counts |= files.rewrite_exports(home / "exports", subject)
    counts["logs (identifiers redacted)"] = sum(files.redact_logs(home, subject).values())
    counts["dlt load packages"] = files.drop_loaded_packages(home)
    # The identity report names record IDs; the next night writes it anew without the person.
    (home / "identity" / "report.html").unlink(missing_ok=True)
    if analytics_path().exists():
        from cdp_orchestration.publish.copy import publish_copy

        publish_copy()
    return ForgetResult(request_id, len(subject.customer_ids), len(subject.records), counts, waiting)


def lift_suppression(kind: str, identifier: str, requested_by: str) -> int:
    """Ends the screening of a forgotten person (their next load is kept again); returns hashes removed."""
    request_id = uuid.uuid4().hex
    with duckdb.connect(str(warehouse_path())) as con:
        ensure_tables(con)
        subject = find_subject(con, kind, identifier)
        removed = lift(con, subject)
        log_request(con, request_id, requested_by, "lift", kind, identifier, subject, {"erased_identifiers": removed})
    return removed


def _pending_rows(con: duckdb.DuckDBPyConnection, subject: Subject, tables: set[tuple[str, str]]) -> dict[str, int]:
    waiting: dict[str, int] = {}
    for schema, table in sorted(tables):
        try:
            (n,) = con.execute(
                f'select count(*) from "{schema}"."{table}" where list_contains(?, customer_id)',
                [sorted(subject.customer_ids)],
            ).fetchall()[0]
        except duckdb.CatalogException:
            continue
        if n:
            waiting[f"{schema}.{table}"] = int(n)
    return waiting


def _keep_only_what_removal_needs(
    con: duckdb.DuckDBPyConnection, subject: Subject, tables: set[tuple[str, str]]
) -> None:
    """An API destination removes a member by its record key and email: the phone can go now."""
    for schema, table in sorted(tables):
        try:
            con.execute(
                f'update "{schema}"."{table}" set phone = null where list_contains(?, customer_id)',
                [sorted(subject.customer_ids)],
            )
        except duckdb.CatalogException:
            continue
