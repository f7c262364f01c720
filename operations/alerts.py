"""Alerts: each new problem told once, through Apprise (email, Slack, Teams, Telegram, WhatsApp, ntfy, webhooks…).

A problem is an episode: it opens when a check first finds it and closes when a check no longer does. Only an
opening is news; what was sent is remembered in `$CDP_HOME/operations/alerts.json`, under a lock, because `cdp run`,
`cdp status --notify` and the Dagster sensors may check the same night at once. One message per kind of problem.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import apprise

from operations.findings import KINDS, Finding
from operations.settings import alert_urls
from warehouse import cdp_home


@dataclass(frozen=True)
class Alert:
    kind: str
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return f"CDP on {socket.gethostname()}: {KINDS[self.kind]}"

    @property
    def body(self) -> str:
        lines = []
        for finding in self.findings:
            since = f"{finding.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if finding.since else "this check"
            lines += [finding.what, f"Since: {since}", f"Look further: {finding.command}", ""]
        lines.append(f"CDP_HOME: {cdp_home()}. `cdp status` shows the whole installation's health.")
        return "\n".join(lines)


def state_path() -> Path:
    return cdp_home() / "operations" / "alerts.json"


def new_alerts(findings: list[Finding], open_keys: set[str]) -> list[Alert]:
    """One alert per kind, of the findings not already open."""
    fresh = [f for f in findings if f.key not in open_keys]
    by_kind = {kind: tuple(f for f in fresh if f.kind == kind) for kind in KINDS}
    return [Alert(kind, found) for kind, found in by_kind.items() if found]


def notify(
    findings: list[Finding], checked: set[str], urls: list[str] | None = None, now: datetime | None = None
) -> list[Alert]:
    """Sends what is new in `findings` to every configured target and closes the episodes of the `checked` kinds
    no longer found (a kind the check could not look at stays as it was); returns the alerts delivered.
    With no target configured, nothing is sent or remembered."""
    urls = alert_urls() if urls is None else urls
    if not urls:
        return []
    now = now or datetime.now(UTC)
    with _episodes() as episodes:
        current = {f.key for f in findings}
        for key in [k for k, episode in episodes.items() if episode["kind"] in checked and k not in current]:
            del episodes[key]  # closed: found again later, it is news again
        delivered = []
        for alert in new_alerts(findings, set(episodes)):
            if _send(alert, urls):
                delivered.append(alert)
                for finding in alert.findings:
                    episodes[finding.key] = {"kind": finding.kind, "first_seen": now.isoformat()}
        return delivered


def _send(alert: Alert, urls: list[str]) -> bool:
    """True when at least one target took the alert; the others are named on standard error."""
    taken = False
    for url in urls:
        target = apprise.Apprise()
        if not target.add(url):
            print(f"Alert target {_scheme(url)}://… is not an Apprise URL: check alerts.urls", file=sys.stderr)
            continue
        if target.notify(title=alert.title, body=alert.body, notify_type=apprise.NotifyType.FAILURE):
            taken = True
        else:
            print(f"The alert '{alert.title}' could not be delivered to {_scheme(url)}://…", file=sys.stderr)
    return taken


def _scheme(url: str) -> str:
    # Never print a whole target URL: it usually holds a token or password.
    return url.split("://", 1)[0]


@contextmanager
def _episodes() -> Iterator[dict[str, dict[str, str]]]:
    """The open episodes, read and written back under an exclusive lock."""
    path = state_path()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        episodes = json.loads(path.read_text()) if path.exists() else {}
        yield episodes
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(episodes, indent=1, sort_keys=True))
        os.replace(partial, path)
