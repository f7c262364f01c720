"""The `cdp forget` and `cdp export-person` commands: privacy requests, run without Dagster."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from activation import owe_removals
from activation.erasures import owed_path
from cdp_orchestration.publish.assets import classification
from cdp_orchestration.settings import dagster_home
from privacy import ForgetResult, Subject, export_person, forget, lift_suppression
from simulator.config import simulator_dir


def identifier_of(args: argparse.Namespace) -> tuple[str, str]:
    for kind in ("email", "phone", "record", "customer_id"):
        value = getattr(args, kind, None)
        if value:
            return kind, value
    raise ValueError("name the person with --email, --phone, --record or --customer-id")


def _owed_by_destinations(con: duckdb.DuckDBPyConnection, subject: Subject, request_id: str) -> dict[str, int]:
    # What the email tools hold of the person, so the next sync erases them there too.
    return owe_removals(con, subject.customer_ids, subject.emails, request_id)


def forget_person(kind: str, value: str, requested_by: str) -> ForgetResult:
    """Forgets a person in the warehouse, its files and copies, Dagster's run history, and in every destination at
    the next sync. The simulator's state is a source system's own copy, and the removals owed to the destinations
    are what the next sync needs: both stay."""
    return forget(
        kind,
        value,
        requested_by,
        classification(),
        before_erasure=[_owed_by_destinations],
        reach=[dagster_home()],
        leave_alone=[simulator_dir(), owed_path()],
    )


def privacy_command(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ValueError, RuntimeError) as error:  # a request naming no one person, a warehouse in use
        print(f"cdp {args.command}: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    kind, value = identifier_of(args)
    if args.command == "export-person":
        document = export_person(kind, value)
        if args.out:
            out = Path(args.out)
            out.write_text(document, encoding="utf-8")
            os.chmod(out, 0o600)
            print(f"Wrote {out}", file=sys.stderr)
        else:
            print(document)
        return 0
    if args.lift:
        removed = lift_suppression(kind, value, args.requested_by)
        print(f"Lifted: {removed} erased identifier(s) no longer screened; the next load keeps this person again.")
        return 0 if removed else 1
    result = forget_person(kind, value, args.requested_by)
    print("\n".join(result.lines()))
    return 0
