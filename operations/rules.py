"""What in the health needs a person: one rule per kind of problem, each turning facts into findings."""

from __future__ import annotations

from collections.abc import Callable

from operations.findings import KINDS, Finding, redact
from operations.health import Health, Night
from operations.settings import Thresholds

STATUS = ".venv/bin/cdp status"
# Dagster's UI shows a run's every step and log; `make dev` serves it.
RUN_PAGE = "make dev, then http://127.0.0.1:3000/runs/{run_id}"
# Too few quarantined rows to call a share a jump, whatever it is (an incremental night loads few rows).
MIN_QUARANTINED = 10


def night_findings(health: Health, limits: Thresholds) -> list[Finding]:
    """The last night failed or never finished, or no good night came when one was due."""
    found = []
    nights = health.nights
    good = health.last_good_night()
    if nights and nights[0].status in ("failure", "canceled"):
        streak = _failed_streak(nights)
        first, last = streak[-1], streak[0]
        where = f"at step {last.failed_step}" if last.failed_step else ""
        cause = f": {redact(last.error)}" if last.error else ""
        since_good = f"last good night {good.started_at:%Y-%m-%d %H:%M} UTC." if good and good.started_at else ""
        found.append(
            Finding(
                "night",
                # A failure at another step is another problem, news even while the nights keep failing.
                f"failed at {last.failed_step}" if last.failed_step else "failed",
                f"The {last.job} run {last.run_id} {'was canceled' if last.status == 'canceled' else 'failed'} "
                f"{where}{cause}. Failed runs in a row: {len(streak)}; {since_good or 'no good night yet.'} "
                "Nothing after the failed step ran; the warehouse keeps the last good state.",
                first.started_at,
                RUN_PAGE.format(run_id=last.run_id),
            )
        )
    # A run killed with its process stays "running" in the orchestrator's records; a good night since ends it.
    for night in nights[: nights.index(good) if good else None]:
        if night.status != "running" or night.started_at is None:
            continue
        superseded = any(n.started_at and n.started_at > night.started_at for n in nights)
        if superseded or health.checked_at - night.started_at > limits.night_max:
            found.append(
                Finding(
                    "night",
                    f"unfinished {night.run_id}",
                    f"The {night.job} run {night.run_id} started and never finished "
                    + ("(a later run started since)." if superseded else f"(still running after {limits.night_max}).")
                    + " Its process may have been killed; the next night resumes where it stopped.",
                    night.started_at,
                    RUN_PAGE.format(run_id=night.run_id),
                )
            )
    latest = nights[0].started_at if nights else None
    # Failing or stuck nights are told above; overdue is when none started at all: the schedule or timer stopped.
    if good and latest and health.checked_at - latest > limits.night_expected:
        found.append(
            Finding(
                "night",
                "overdue",
                f"No good night since {good.started_at:%Y-%m-%d %H:%M} UTC (one is expected every "
                f"{limits.night_expected}): is the schedule or timer running?",
                good.started_at,
                STATUS,
            )
        )
    return found


def freshness_findings(health: Health, limits: Thresholds) -> list[Finding]:
    found = []
    for source in health.sources:
        window = limits.freshness_window(source.source)
        if health.checked_at - source.last_new_at > window:
            found.append(
                Finding(
                    "freshness",
                    source.source,
                    f"{source.source} has sent nothing new for longer than its freshness window ({window}): its own "
                    f"clock reads {source.clock:%Y-%m-%d %H:%M} UTC. Check the source system and its "
                    f"sources.{source.source}.base_url and token.",
                    source.last_new_at,
                    STATUS,
                )
            )
    return found


def quarantine_findings(health: Health, limits: Thresholds) -> list[Finding]:
    found = []
    for source in health.sources:
        usual = source.usual_quarantine_share
        share = source.quarantine_share
        if usual is None or source.rows_quarantined < MIN_QUARANTINED:
            continue
        if share > 2 * usual and share - usual > limits.quarantine_points / 100:
            found.append(
                Finding(
                    "quarantine",
                    source.source,
                    f"{source.source}: {source.rows_quarantined:,} of {source.rows_loaded + source.rows_quarantined:,}"
                    f" records of the last load went to quarantine ({share:.1%}; usually {usual:.1%}). "
                    "The source may have changed its format.",
                    None,
                    ".venv/bin/duckdb -readonly $CDP_HOME/analytics.duckdb -c "
                    f'"select reason, count(*) from quarantine.quarantined_records where source_system = '
                    f"'{source.source}' group by 1 order by 2 desc\"",
                )
            )
    return found


def export_findings(health: Health, limits: Thresholds) -> list[Finding]:
    found = []
    for destination in health.destinations:
        if destination.failed and destination.failed_share > limits.export_failed_share:
            found.append(
                Finding(
                    "exports",
                    destination.destination,
                    f"{destination.destination}: {destination.failed:,} of {destination.sent + destination.failed:,}"
                    f" records of the last sync failed ({destination.failed_share:.0%}); they are retried next night.",
                    destination.failing_since,
                    ".venv/bin/cdp sync --dry-run --destination " + destination.destination,
                )
            )
    return found


def identity_findings(health: Health, limits: Thresholds) -> list[Finding]:
    identity = health.identity
    if identity is None or identity.usual_largest_cluster is None or identity.usual_share_merged is None:
        return []
    moves = []
    usual_largest = identity.usual_largest_cluster
    if identity.largest_cluster >= 2 * usual_largest and identity.largest_cluster - usual_largest >= 3:
        moves.append(f"the largest customer holds {identity.largest_cluster} records (usually {usual_largest:g})")
    if abs(identity.share_merged - identity.usual_share_merged) > limits.identity_share_points / 100:
        moves.append(
            f"{identity.share_merged:.1%} of records are merged into another's customer "
            f"(usually {identity.usual_share_merged:.1%})"
        )
    if not moves:
        return []
    return [
        Finding(
            "identity",
            "resolution",
            f"Identity resolution moved sharply in its last run: {'; '.join(moves)}. Look at the borderline pairs "
            "before the exports send merged profiles.",
            identity.resolved_at,
            "open $CDP_HOME/identity/report.html",
        )
    ]


def disk_findings(health: Health, limits: Thresholds) -> list[Finding]:
    disk = health.disk
    needed = disk.needed_bytes + limits.disk_margin_bytes
    if disk.free_bytes >= needed:
        return []
    return [
        Finding(
            "disk",
            str(disk.path),
            f"{disk.free_bytes / 2**30:.1f} GiB free of {disk.total_bytes / 2**30:.1f} GiB where CDP_HOME lives; "
            f"the next night needs about {needed / 2**30:.1f} GiB (a new warehouse and analytics copy beside the old).",
            None,
            f"du -sh {disk.path}/* | sort -h",
        )
    ]


RULES: tuple[Callable[[Health, Thresholds], list[Finding]], ...] = (
    night_findings,
    freshness_findings,
    quarantine_findings,
    export_findings,
    identity_findings,
    disk_findings,
)


def findings(health: Health, limits: Thresholds) -> list[Finding]:
    """Every problem in `health`, in the order of the kinds."""
    return [finding for rule in RULES for finding in rule(health, limits)]


def _failed_streak(nights: list[Night]) -> list[Night]:
    """The failed or canceled nights since the last good one, newest first."""
    streak = []
    for night in nights:
        if night.status not in ("failure", "canceled"):
            break
        streak.append(night)
    return streak


def checked_kinds(health: Health) -> set[str]:
    """The kinds `health` could judge: without the warehouse (busy, or none yet), only the nights and the disk."""
    return set(KINDS) if health.warehouse_note is None else {"night", "disk"}
