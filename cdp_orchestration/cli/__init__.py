"""The `cdp` command: the nightly run, the Dagster UI, the simulator's controls, syncs, privacy requests, the
watchdog, backup and restore, and the console."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict

from cdp_orchestration.settings import dagster_home
from warehouse import REPO_ROOT, cdp_home
from warehouse.spark import claim_home


def run_nightly(select: str | None = None) -> int:
    """Runs the nightly job headless in this process and prints the summary; returns the exit status. With `select`
    (Dagster's asset selection syntax), only those assets run, with the rest of any step that cannot run in part."""
    try:
        chosen = claim_home()
    except (RuntimeError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    os.environ["DAGSTER_HOME"] = str(dagster_home())
    from dagster import DagsterError, DagsterInstance

    from cdp_orchestration.cli.operations import report_alerts
    from cdp_orchestration.cli.summary import summarise
    from cdp_orchestration.definitions import defs as build_definitions
    from cdp_orchestration.jobs import NIGHTLY_JOB_NAME
    from cdp_orchestration.operations.health import own_error
    from cdp_orchestration.transform.project import parsing_alone
    from operations import KINDS

    # Building the graph parses the models when they changed since the last parse (a new segment file); no other
    # process parses while this one builds its graph from the manifest.
    with parsing_alone():
        defs = build_definitions()
        job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    try:
        selected = _selected_assets(defs, select) if select else None
    except DagsterError as error:  # a selection that does not parse, or names an asset the night has not
        print(f"--select {select!r}: {error}", file=sys.stderr)
        return 2
    if selected == []:
        print(f"--select {select!r} names no asset of the night: see the asset keys in `cdp dev`.", file=sys.stderr)
        return 2
    group_of_step = _stage_names(defs)
    started = time.perf_counter()
    part = f" (only {len(selected)} assets: {select})" if selected else ""
    on = " on Spark" if chosen == "spark" else ""
    print(f"CDP nightly run into {cdp_home()}{on}{part} …", flush=True)
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"progress": {}}},
            asset_selection=selected,
        )
        summary = summarise(result, instance, group_of_step) if result.success else None
        found, alerts = _check_health(instance)
    if not result.success:
        failure = next((e for e in result.all_events if e.event_type_value == "STEP_FAILURE"), None)
        error = failure.step_failure_data.error if failure and failure.step_failure_data else None
        message = own_error(error) if error else "the run failed before any step ran"
        print(
            f"\nThe nightly run failed at step {failure.step_key if failure else '?'}: {message}\n"
            "Nothing after that step was run; the warehouse keeps the last good state. Fix the cause above and "
            "run `make run` again: loads resume where they stopped and nothing is sent twice.",
            file=sys.stderr,
        )
        report_alerts(alerts)
        return 1
    assert summary is not None
    print("\n".join(summary.lines()))
    print(f"\nTotal wall time {time.perf_counter() - started:.1f} s")
    if found:
        print(f"Needs a person: {'; '.join(sorted({KINDS[f.kind] for f in found}))}. See `cdp status`.")
    report_alerts(alerts)
    return 0


def _selected_assets(defs, select: str) -> list:
    """The asset keys `select` names, with the other assets of each step that runs all its assets or none."""
    from dagster import AssetSelection

    selection = AssetSelection.from_string(select).required_multi_asset_neighbors()
    return sorted(selection.resolve(defs.resolve_asset_graph()))


def _check_health(instance) -> tuple[list, list]:
    """What this night left needing a person, and the alerts that told it; a failure to tell never fails the night."""
    from cdp_orchestration.operations.health import check

    try:
        _, found, alerts = check(instance)
    except Exception as error:  # the night's own outcome matters more than its alert
        print(f"Could not check the health or send alerts: {type(error).__name__}: {error}", file=sys.stderr)
        return [], []
    return found, alerts


def _stage_names(defs) -> dict[str, str]:
    """Step key → the stage it belongs to in the summary: the asset group most of its assets are in."""
    graph = defs.resolve_asset_graph()
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.assets_def.is_executable:
            groups[node.assets_def.node_def.name][node.group_name or "default"] += 1
    # Most assets first, then by name: the same label every run.
    return {step: min(counts, key=lambda group: (-counts[group], group)) for step, counts in groups.items()}


def dev(port: int) -> int:
    """`dagster dev` on the repository's workspace, with the instance under CDP_HOME."""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home())}
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    command = [dagster, "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-p", str(port)]
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


def _add_privacy_commands(commands) -> None:
    forget = commands.add_parser("forget", help="erase one person everywhere the CDP keeps them (right to erasure)")
    export = commands.add_parser("export-person", help="everything held about one person, as one JSON document")
    for command in (forget, export):
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--email")
        who.add_argument("--phone")
        who.add_argument("--record", help="SOURCE:ID, e.g. shopify:7210000000000")
        who.add_argument("--customer-id")
    forget.add_argument("--requested-by", default=os.environ.get("USER", "unknown"), help="who asked (logged)")
    forget.add_argument("--lift", action="store_true", help="stop screening a forgotten person out of new loads")
    export.add_argument("--out", help="write the JSON here (default: standard output)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cdp", description="Customer data platform")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the nightly job headless and print a summary")
    run.add_argument(
        "--select",
        help="run only these assets, in Dagster's selection syntax: '+key:\"marts/fct_orders\"' is the orders and "
        "everything they are built from (default: the whole night)",
    )
    dev_command = commands.add_parser("dev", help="start the Dagster UI (dagster dev)")
    dev_command.add_argument("--port", type=int, default=3000)
    simulator = commands.add_parser("simulator", help="the bundled simulator of the source systems")
    simulator_commands = simulator.add_subparsers(dest="simulator_command", required=True)
    serve = simulator_commands.add_parser("serve", help="serve every simulated API on one loopback port")
    serve.add_argument("--port", type=int, default=None)
    advance = commands.add_parser("advance-day", help="move the simulator's clock N days on")
    advance.add_argument("days", type=int, nargs="?", default=1)
    sync = commands.add_parser("sync", help="send the segments to their destinations (what the nightly run does last)")
    sync.add_argument("--dry-run", action="store_true", help="print the planned adds/updates/removals, send nothing")
    sync.add_argument("--destination", action="append", help="only this destination (repeatable)")
    _add_privacy_commands(commands)
    status = commands.add_parser("status", help="health at a glance; exits 1 when something needs a person")
    status.add_argument("--notify", action="store_true", help="also send alerts for new problems (alerts.urls)")
    backup = commands.add_parser("backup", help="snapshot the state no reload rebuilds (IDs, histories, erasures)")
    backup.add_argument("--to", help="the backup folder (default $CDP_HOME/backups/<UTC time>)")
    backup.add_argument("--full", action="store_true", help="include the raw data too (no reload after a restore)")
    restore = commands.add_parser("restore", help="restore a backup into an empty CDP_HOME")
    restore.add_argument("folder", help="a folder written by `cdp backup`")
    from cdp_orchestration.cli.console import add_console_commands

    add_console_commands(commands)
    args = parser.parse_args(argv)
    # Everything the CDP writes holds personal data: files and folders are its owner's alone (the analytics
    # copy is opened to a group on purpose, in privacy/analytics_copy.py).
    os.umask(0o077)

    if args.command == "run":
        return run_nightly(args.select)
    if args.command == "dev":
        return dev(args.port)
    if args.command == "simulator":
        from simulator import serve as serve_simulator

        serve_simulator(port=args.port, home=cdp_home())
        return 0
    if args.command == "advance-day":
        from simulator import advance_day

        advance_day(args.days, home=cdp_home())
        return 0
    if args.command == "sync":
        from cdp_orchestration.cli.sync import sync_command

        return sync_command(dry_run=args.dry_run, only=args.destination)
    if args.command in ("forget", "export-person"):
        from cdp_orchestration.cli.privacy import privacy_command

        return privacy_command(args)
    if args.command in ("status", "backup", "restore"):
        from cdp_orchestration.cli.operations import operations_command

        return operations_command(args)
    if args.command == "console":
        from cdp_orchestration.cli.console import console_command

        return console_command(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
