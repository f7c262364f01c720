"""One asset per destination of destinations.yml, downstream of the segment assets it sends, and the holdout
assignments every export honours.

Keys `["exports", <destination>]` in group `exports`; the lineage reads segment model → segment → holdouts → export.
"""

from functools import cache

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from activation.campaign_results import write_results
from activation.config import Destination, control_group_pct, load_destinations
from activation.holdouts import CONTROL, Scope, assign
from activation.planning import summarise
from activation.segment_history import run_as_of
from activation.sync import sync_destination
from cdp_orchestration.resources import SourceSystems, WarehouseResource
from cdp_orchestration.segments.assets import MEMBERSHIP, declared_segments, segment_key

ASSIGNMENTS = AssetKey(["campaigns", "assignments"])
# What marts.campaign_results reads besides what the exports recorded: the orders, and the run's as-of time.
RESULTS_INPUTS = [AssetKey(["marts", "fct_orders"]), AssetKey(["intermediate", "int_run_as_of"])]


@cache
def destinations() -> tuple[Destination, ...]:
    """destinations.yml, checked against the segments the dbt project declares."""
    return tuple(load_destinations(known_segments={segment.name for segment in declared_segments()}))


def holdout_scopes() -> list[Scope]:
    """The global control group (by household) and every segment: its holdout share and whether it mails households
    (its own meta, or a destination sending it one per household)."""
    by_household = {name for d in destinations() if d.per_household for name in d.segments}
    return [
        Scope(CONTROL, control_group_pct(), per_household=True),
        *(
            Scope(
                s.name,
                s.holdout_pct,
                per_household=s.one_per_household or s.name in by_household,
                one_per_household=s.one_per_household,
            )
            for s in declared_segments()
        ),
    ]


@asset(
    key=ASSIGNMENTS,
    deps=[MEMBERSHIP],
    group_name="exports",
    pool="warehouse",
    description="Who each campaign keeps back: the global control group and each segment's holdout, frozen at first "
    "assignment (activation/holdouts.py).",
)
def campaign_assignments(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    with warehouse.connect() as con:
        counts = assign(con, holdout_scopes(), run_as_of(con))
    for scope, (held, total) in sorted(counts.items()):
        context.log.info(f"{'control group' if scope == CONTROL else scope}: {held} of {total} held out")
    return MaterializeResult(metadata={"held_out": sum(h for h, _ in counts.values())})


def export_asset(destination: Destination) -> AssetsDefinition:
    @asset(
        key=AssetKey(["exports", destination.name]),
        deps=[ASSIGNMENTS, *(segment_key(name) for name in destination.segments)],
        group_name="exports",
        pool="warehouse",
        kinds={destination.kind},
        description=destination.description or f"Export to {destination.name} ({destination.kind}).",
    )
    def _export(
        context: AssetExecutionContext, sources: SourceSystems, warehouse: WarehouseResource
    ) -> MaterializeResult:
        connection = sources.destination(destination.kind) if destination.is_api else None
        with warehouse.connect() as con:
            result = sync_destination(con, destination, context.run.run_id, connection)
        planned = summarise(result.planned)
        context.log.info(f"{destination.name}: {result.outcome_line()}")
        return MaterializeResult(
            metadata={
                "rows_sent": result.rows_sent,
                "rows_failed": result.counts.get("failed", 0),
                "rows_refused": result.counts.get("refused", 0),
                "rows_skipped": result.counts.get("skipped", 0),
                "held_out": result.counts.get("held_out", 0),
                "planned_adds": int(planned["add"].sum()),
                "planned_updates": int(planned["update"].sum()),
                "planned_removes": int(planned["remove"].sum()),
                "newly_suppressed": result.newly_suppressed,
                "sync_id": result.sync_id or "",
                "sync_seconds": round(result.seconds, 2),
            }
        )

    return _export


@cache
def export_assets() -> tuple[AssetsDefinition, ...]:
    exports = tuple(export_asset(destination) for destination in destinations())
    return (campaign_assignments, *exports, campaign_results_asset(exports))


def campaign_results_asset(exports: tuple[AssetsDefinition, ...]) -> AssetsDefinition:
    @asset(
        key=AssetKey(["marts", "campaign_results"]),
        # Declared directly, so that a run of only some assets (`cdp run --select`) builds them before the results.
        deps=[*(key for export in exports for key in export.keys), *RESULTS_INPUTS],
        group_name="exports",
        pool="warehouse",
        description="Treated against held-out members per segment, destination and week: conversion, revenue, "
        "uplift with its intervals, sample-ratio check and power (activation/campaign_results.py).",
    )
    def campaign_results(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        with warehouse.connect() as con:
            rows = write_results(con, run_as_of(con))
        context.log.info(f"campaign_results: {rows} rows")
        return MaterializeResult(metadata={"rows": rows})

    return campaign_results
