"""The `cdp forget` and `cdp export-person` commands: privacy requests, run without Dagster."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cdp_orchestration.privacy_requests import forget_person
from privacy import export_person, lift_suppression


def identifier_of(args: argparse.Namespace) -> tuple[str, str]:
    for kind in ("email", "phone", "record", "customer_id"):
        value = getattr(args, kind, None)
        if value:
            return kind, value
    raise ValueError("name the person with --email, --phone, --record or --customer-id")


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
