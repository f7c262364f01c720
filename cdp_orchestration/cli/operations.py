"""`cdp status`, `cdp backup` and `cdp restore`: running the CDP with nobody on call."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cdp_orchestration.settings import dagster_home
from operations import Alert, BackupError, backup, restore, status_lines


def status_command(send: bool) -> int:
    """Prints the health at a glance; exits 1 when something needs a person (a watchdog for cron or a timer)."""
    os.environ["DAGSTER_HOME"] = str(dagster_home())
    from dagster import DagsterInstance

    from cdp_orchestration.operations.health import check

    with DagsterInstance.get() as instance:
        health, found, alerts = check(instance, send=send)
    print("\n".join(status_lines(health, found)))
    report_alerts(alerts)
    return 1 if found else 0


def report_alerts(alerts: list[Alert]) -> None:
    for alert in alerts:
        print(f"Alert sent: {alert.title}", file=sys.stderr)


def backup_command(to: str | None, full: bool) -> int:
    try:
        result = backup(Path(to) if to else None, full=full)
    except BackupError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    print("Backed up into " + "\n".join(result.lines()))
    return 0


def restore_command(folder: str) -> int:
    try:
        result = restore(Path(folder))
    except BackupError as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return 1
    print("Restored from " + "\n".join(result.lines()))
    return 0


def operations_command(args: argparse.Namespace) -> int:
    if args.command == "status":
        return status_command(send=args.notify)
    if args.command == "backup":
        return backup_command(args.to, args.full)
    return restore_command(args.folder)
