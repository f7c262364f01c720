"""`cdp status`: the installation's health at a glance, and what needs a person."""

from __future__ import annotations

from datetime import datetime, timedelta

from operations.findings import KINDS, Finding
from operations.health import Health, Night


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({_ago(now - moment)} ago)"


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _night(night: Night, now: datetime) -> str:
    outcome = {"success": "succeeded", "failure": "FAILED", "canceled": "CANCELED", "running": "running"}
    text = f"{_when(night.started_at, now)}, {outcome.get(night.status, night.status)}"
    if night.failed_step:
        text += f" at step {night.failed_step}"
    if night.started_at and night.finished_at:
        text += f" after {(night.finished_at - night.started_at).total_seconds() / 60:.1f} min"
    return f"{text} (run {night.run_id}, {night.job})"


def lines(health: Health, found: list[Finding]) -> list[str]:
    now = health.checked_at
    out = [f"CDP status of {health.home}, checked {now:%Y-%m-%d %H:%M} UTC", ""]
    good = health.last_good_night()
    out.append(f"last good night   {_night(good, now) if good else 'none yet'}")
    if health.nights and health.nights[0] is not good:
        out.append(f"last run          {_night(health.nights[0], now)}")
    if health.warehouse_note:
        out += ["", f"warehouse: {health.warehouse_note}"]
    if health.sources:
        out += ["", f"{'source':<10} {'own clock':<22} {'new data since':<32} {'last load':>10} {'quarantined':>12}"]
        for s in health.sources:
            usual = f" (usually {s.usual_quarantine_share:.1%})" if s.usual_quarantine_share is not None else ""
            out.append(
                f"{s.source:<10} {f'{s.clock:%Y-%m-%d %H:%M}' if s.clock else '-':<22} "
                f"{_when(s.last_new_at, now):<32} {s.rows_loaded:>10,} {s.quarantine_share:>11.1%}{usual}"
            )
    if health.destinations:
        out += ["", f"{'destination':<26} {'last sync':<32} {'sent':>8} {'failed':>8}"]
        for d in health.destinations:
            out.append(f"{d.destination:<26} {_when(d.started_at, now):<32} {d.sent:>8,} {d.failed:>8,}")
    if health.identity:
        i = health.identity
        out += [
            "",
            f"identity: {i.records:,} records → {i.customers:,} customers ({i.share_merged:.1%} merged), "
            f"largest customer {i.largest_cluster} records; resolved {_when(i.resolved_at, now)}",
        ]
    disk = health.disk
    out += [
        "",
        f"disk: {disk.free_bytes / 2**30:.1f} GiB free of {disk.total_bytes / 2**30:.1f} GiB "
        f"(a night needs about {disk.needed_bytes / 2**30:.2f} GiB)",
        "",
    ]
    if not found:
        return [*out, "OK: nothing needs a person."]
    out.append(f"NEEDS A PERSON ({len(found)}):")
    for finding in found:
        since = f" Since {finding.since:%Y-%m-%d %H:%M} UTC." if finding.since else ""
        out += [f"- [{KINDS[finding.kind]}] {finding.what}{since}", f"  Look further: {finding.command}"]
    return out
