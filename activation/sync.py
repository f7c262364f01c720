"""One sync of one destination: refresh suppressions, plan the difference, send it, log every record.

API destinations get the plan in up to `ROUNDS` passes within the sync: each pass re-plans from the acknowledged
state, so it carries only what is still missing (requests that failed in the previous pass). What still fails is
logged `failed` and planned again by the next sync. Members the destination refuses are logged `refused` with its
reason and not planned again until their data changes; they never fail the sync, while a destination that takes
nothing at all (a refused key, an unreachable or failing service) does. Before the plan, API destinations erase
the members owed to forgotten people, which `cdp forget` keeps outside the warehouse (erasures.py). File
destinations get a full snapshot and their diff is logged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from activation import ad_audiences, erasures, klaviyo_csv, mailchimp, planning, state, suppression
from activation.config import Destination, ExportError
from dlt_sources.connections import Connection

ROUNDS = 3
FILE_WRITERS = {
    "klaviyo_csv": klaviyo_csv.write_snapshot,
    "google_customer_match": ad_audiences.write_snapshot,
    "meta_custom_audience": ad_audiences.write_snapshot,
}


@dataclass
class SyncResult:
    destination: str
    sync_id: str | None
    planned: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    newly_suppressed: int = 0
    seconds: float = 0.0

    @property
    def rows_sent(self) -> int:
        return self.counts.get("sent", 0)

    def outcome_line(self) -> str:
        """Rows per outcome and the time taken, e.g. "12 sent, 0 failed, 3 refused, 0 skipped in 0.4 s"."""
        statuses = ("sent", "failed", "refused", "skipped")
        return ", ".join(f"{self.counts.get(s, 0):,} {s}" for s in statuses) + f" in {self.seconds:.1f} s"


def sync_destination(
    con: duckdb.DuckDBPyConnection,
    destination: Destination,
    run_id: str,
    connection: Connection | None = None,
    dry_run: bool = False,
) -> SyncResult:
    """Syncs `destination` (API destinations need `connection`); a dry run only plans, from the stored state."""
    started = time.perf_counter()
    state.ensure_tables(con, [destination])
    if dry_run:
        planned = _with_owed(erasures.removals(con, destination.name), planning.plan(con, destination))
        return SyncResult(destination.name, None, planned, seconds=time.perf_counter() - started)
    suppression.refresh_file(con)
    sync_id = uuid.uuid4().hex
    state.start_sync(con, sync_id, run_id, destination.name)
    counts: dict[str, int] = {}

    def acknowledge(outcomes: list[state.Outcome]) -> None:
        state.acknowledge(con, destination, outcomes, sync_id, run_id)
        erasures.settle(destination.name, outcomes)
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1

    def sending(rows: list) -> None:
        state.sending(con, destination, rows, sync_id, run_id)

    if destination.is_api:
        if connection is None:
            raise ValueError(f"destination {destination.name} is an API destination: a connection is required")
        client = mailchimp.MailchimpClient(
            connection.base_url, connection.access_token, setting=f"destinations.{destination.kind}"
        )
        list_id = client.list_id(destination.options["list_name"], destination.options)
        reported = erasures.without_forgotten(con, client.reported(list_id))
        newly = suppression.record_reported(con, destination.name, reported)
        owed = erasures.removals(con, destination.name)
        failures = mailchimp.erase(client, list_id, owed, acknowledge, sending)
        planned = planning.plan(con, destination)
        planning.drop_stale_refusals(con, destination)
        failures += _send_in_rounds(con, destination, client, list_id, planned, acknowledge, sending)
        acknowledge(failures)
        planned = _with_owed(owed, planned)
        if failures and not any(counts.get(status) for status in ("sent", "skipped", "refused")):
            raise ExportError(
                f"{destination.name} accepted none of {len(failures)} records; first error: {failures[0].error}. "
                f"Check destinations.{destination.kind}.base_url and api_key, then run again: nothing is sent twice."
            )
    else:
        newly = 0
        planned = planning.plan(con, destination)
        FILE_WRITERS[destination.kind](destination, planning.desired_rows(con))
        acknowledge([state.outcome(row, "sent") for row in planned.itertuples()])
    state.finish_sync(con, sync_id, counts)
    return SyncResult(destination.name, sync_id, planned, counts, newly, time.perf_counter() - started)


def _send_in_rounds(
    con: duckdb.DuckDBPyConnection,
    destination: Destination,
    client: mailchimp.MailchimpClient,
    list_id: str,
    planned: pd.DataFrame,
    acknowledge: Callable[[list[state.Outcome]], None],
    sending: Callable[[list], None],
) -> list[state.Outcome]:
    """Passes over what is still unacknowledged; returns the outcomes still failed after the last one."""
    failures: dict[tuple[str, str], state.Outcome] = {}
    plan = planned
    for _ in range(ROUNDS):
        if plan.empty:
            break
        round_failures = mailchimp.send(client, list_id, plan, acknowledge, sending)
        failures = {(f.segment, f.record_key): f for f in round_failures}
        if not failures:
            break
        plan = planning.plan(con, destination)
    return list(failures.values())


def _with_owed(owed: pd.DataFrame, planned: pd.DataFrame) -> pd.DataFrame:
    """The removals owed to forgotten people, then the difference between the desired and acknowledged state."""
    return planned if owed.empty else pd.concat([owed, planned], ignore_index=True)
