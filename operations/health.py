"""The facts the watchdog judges, read from the analytics copy and handed in by the orchestrator (its runs).

Nothing here decides what is wrong (rules.py does); it reads what the last good night left behind: the sources'
clock and loads (`meta`), the syncs (`exports.syncs`), identity resolution's run log, and the disk. It reads the
published copy, never `warehouse.duckdb`: DuckDB lets one process write a file or several read it, and a watchdog
holding the warehouse open must never be why a night cannot start. A failed night publishes nothing; the
orchestrator's record of it is what tells.
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile
from pathlib import Path

import duckdb

from warehouse import analytics_path, cdp_home, has_table, warehouse_path

# Earlier nights a night is compared with (its "usual" quarantine share and identity figures).
BASELINE_NIGHTS = 14


@dataclass(frozen=True)
class Night:
    """One run of the nightly lineage, as the orchestrator recorded it."""

    run_id: str
    job: str
    status: str  # success, failure, canceled, running
    started_at: datetime | None
    finished_at: datetime | None
    complete: bool = True  # it ran the whole lineage, up to the exports (a "good night" when it succeeded)
    failed_step: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SourceHealth:
    source: str
    clock: datetime | None  # the source's own latest time (HTTP Date of its answers)
    last_new_at: datetime  # when it last brought something new (see last_new)
    rows_loaded: int  # last load
    rows_quarantined: int
    usual_quarantine_share: float | None  # median share of the loads before it

    @property
    def quarantine_share(self) -> float:
        total = self.rows_loaded + self.rows_quarantined
        return self.rows_quarantined / total if total else 0.0


@dataclass(frozen=True)
class DestinationHealth:
    destination: str
    started_at: datetime | None  # of the last finished sync
    sent: int
    failed: int
    failing_since: datetime | None  # start of the first of the consecutive finished syncs with failures

    @property
    def failed_share(self) -> float:
        return self.failed / (self.sent + self.failed) if self.sent + self.failed else 0.0


@dataclass(frozen=True)
class IdentityHealth:
    resolved_at: datetime
    records: int
    customers: int
    largest_cluster: int
    usual_largest_cluster: float | None
    usual_share_merged: float | None

    @property
    def share_merged(self) -> float:
        """Share of records folded into another record's customer (1 − customers / records)."""
        return 1 - self.customers / self.records if self.records else 0.0


@dataclass(frozen=True)
class DiskHealth:
    path: Path
    free_bytes: int
    total_bytes: int
    needed_bytes: int  # what the next night writes at most: a new warehouse and analytics copy beside the old ones


@dataclass
class Health:
    checked_at: datetime
    home: Path
    nights: list[Night]  # newest first
    disk: DiskHealth
    sources: list[SourceHealth] = field(default_factory=list)
    destinations: list[DestinationHealth] = field(default_factory=list)
    identity: IdentityHealth | None = None
    warehouse_note: str | None = None  # why the analytics copy could not be read, when it could not

    def last_good_night(self) -> Night | None:
        """The newest night that succeeded and finished."""
        return next((n for n in self.nights if n.status == "success" and n.complete), None)


def read_health(nights: list[Night], now: datetime) -> Health:
    """The installation's health as of `now`, with `nights` (newest first) as the orchestrator recorded them."""
    home = cdp_home()
    health = Health(checked_at=now, home=home, nights=nights, disk=disk_health(home))
    path = analytics_path()
    if not path.exists():
        health.warehouse_note = "no analytics copy yet: no night has succeeded in this CDP_HOME"
        return health
    with duckdb.connect(str(path), read_only=True) as con:
        health.sources = source_health(con)
        health.destinations = destination_health(con)
        health.identity = identity_health(con)
    return health


def disk_health(home: Path) -> DiskHealth:
    usage = shutil.disk_usage(home)
    files = [warehouse_path(), analytics_path()]
    needed = 2 * sum(f.stat().st_size for f in files if f.exists())
    return DiskHealth(home, usage.free, usage.total, needed)


def source_health(con: duckdb.DuckDBPyConnection) -> list[SourceHealth]:
    if not has_table(con, "meta", "source_clock"):
        return []
    attempts: dict[str, list[tuple[datetime, datetime, int | None]]] = {}
    for source, observed_at, recorded_at, rows in con.sql(
        "select source_system, observed_at, recorded_at, null::bigint from meta.source_clock order by recorded_at"
        if not has_table(con, "meta", "source_loads")
        else """select clock.source_system, clock.observed_at, clock.recorded_at, coalesce(loads.rows_loaded, 0)
                from meta.source_clock as clock
                left join meta.source_loads as loads using (source_system, run_id)
                order by clock.recorded_at"""
    ).fetchall():
        attempts.setdefault(source, []).append((observed_at, recorded_at, rows))
    quarantine = _load_history(con)
    found = []
    for source, tried in sorted(attempts.items()):
        loads = quarantine.get(source, [])
        loaded, quarantined = loads[-1] if loads else (0, 0)
        earlier = [q / (n + q) for n, q in loads[:-1][-BASELINE_NIGHTS:] if n + q]
        found.append(
            SourceHealth(
                source=source,
                clock=max(observed for observed, _, _ in tried),
                last_new_at=last_new(tried),
                rows_loaded=loaded,
                rows_quarantined=quarantined,
                usual_quarantine_share=statistics.median(earlier) if earlier else None,
            )
        )
    return found


def last_new(attempts: list[tuple[datetime, datetime, int | None]]) -> datetime:
    """When a source last brought something new: the last load at which its own clock moved on, or the last
    that loaded rows, whichever is older (a real source's clock always moves; a stalled one loads nothing).

    `attempts` are (observed clock, recorded at, rows loaded: None when not recorded), oldest first.
    """
    clock_moved = rows_arrived = attempts[0][1]
    before = None
    for observed, recorded, rows in attempts:
        if before is None or observed > before:
            clock_moved = recorded
        if rows is None or rows > 0:
            rows_arrived = recorded
        before = observed if before is None else max(before, observed)
    return min(clock_moved, rows_arrived)


def _load_history(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[int, int]]]:
    """source → (rows loaded, rows quarantined) of each load, oldest first."""
    if not has_table(con, "meta", "source_loads"):
        return {}
    history: dict[str, list[tuple[int, int]]] = {}
    for source, loaded, quarantined in con.sql(
        "select source_system, rows_loaded, rows_quarantined from meta.source_loads order by loaded_at"
    ).fetchall():
        history.setdefault(source, []).append((int(loaded or 0), int(quarantined or 0)))
    return history


def destination_health(con: duckdb.DuckDBPyConnection) -> list[DestinationHealth]:
    """The last finished sync of each destination. A sync that never finished stopped its night with an error,
    which the night's own finding reports."""
    if not has_table(con, "exports", "syncs"):
        return []
    rows = con.sql("""
        select destination, started_at, sent, failed from exports.syncs
        where finished_at is not null order by destination, started_at desc
    """).fetchall()
    syncs: dict[str, list[tuple[datetime, int, int]]] = {}  # newest first
    for destination, started_at, sent, failed in rows:
        syncs.setdefault(destination, []).append((started_at, int(sent or 0), int(failed or 0)))
    found = []
    for destination, history in syncs.items():
        started_at, sent, failed = history[0]
        failing = list(takewhile(lambda sync: sync[2] > 0, history))
        found.append(DestinationHealth(destination, started_at, sent, failed, failing[-1][0] if failing else None))
    return found


def identity_health(con: duckdb.DuckDBPyConnection) -> IdentityHealth | None:
    if not has_table(con, "identity", "resolution_runs"):
        return None
    runs = con.sql(
        "select resolved_at, records, customers, largest_cluster from identity.resolution_runs order by resolved_at"
    ).fetchall()
    if not runs:
        return None
    resolved_at, records, customers, largest = runs[-1]
    earlier = [r for r in runs[:-1][-BASELINE_NIGHTS:] if r[1]]
    return IdentityHealth(
        resolved_at=resolved_at,
        records=int(records),
        customers=int(customers),
        largest_cluster=int(largest),
        usual_largest_cluster=statistics.median(r[3] for r in earlier) if earlier else None,
        usual_share_merged=statistics.median(1 - r[2] / r[1] for r in earlier) if earlier else None,
    )
