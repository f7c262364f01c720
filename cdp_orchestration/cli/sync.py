"""`cdp sync [--dry-run]`: the export step on its own, outside the nightly job (after a failure, or to preview)."""

from __future__ import annotations

import sys
import uuid
from contextlib import ExitStack

import warehouse
from activation.config import ExportError, load_destinations
from activation.planning import summarise
from activation.sync import SyncResult, sync_destination


def sync_command(dry_run: bool = False, only: list[str] | None = None) -> int:
    """Syncs (or with `dry_run` plans) every destination, or those named in `only`; prints a table per destination."""
    destinations = [d for d in load_destinations() if not only or d.name in only]
    unknown = sorted(set(only or ()) - {d.name for d in destinations})
    if unknown:
        print(f"No destination named {', '.join(unknown)} in destinations.yml")
        return 2
    if not warehouse.warehouse_path().exists():
        print(f"No warehouse at {warehouse.warehouse_path()}: run `cdp run` first.")
        return 1
    run_id = f"cli-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        sources = None
        if not dry_run and any(d.is_api for d in destinations):
            from dagster import build_resources

            from cdp_orchestration.resources import SourceSystems

            sources = stack.enter_context(build_resources({"sources": SourceSystems()})).sources
        con = stack.enter_context(warehouse.connect())
        for destination in destinations:
            connection = sources.destination(destination.kind) if sources and destination.is_api else None
            try:
                result = sync_destination(con, destination, run_id, connection, dry_run=dry_run)
            except ExportError as error:
                print(f"\n{destination.name}: {error}", file=sys.stderr)
                return 1
            print(format_result(result, dry_run))
    return 0


def format_result(result: SyncResult, dry_run: bool) -> str:
    """The plan per segment (segment `*` is the list membership itself) and, after a real sync, its outcome."""
    table = summarise(result.planned)
    lines = [f"\n{result.destination} ({'planned, nothing sent' if dry_run else f'sync {result.sync_id}'})"]
    lines.append(f"  {'segment':<28} {'add':>8} {'update':>8} {'remove':>8}")
    for row in table.itertuples(index=False):
        lines.append(f"  {row.segment:<28} {row.add:>8,} {row.update:>8,} {row.remove:>8,}")
    if table.empty:
        lines.append("  nothing to send: the destination is up to date")
    if not dry_run:
        lines.append(f"  {result.outcome_line()}")
    return "\n".join(lines)
