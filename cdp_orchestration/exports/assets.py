"""One asset per destination of destinations.yml, downstream of the segment assets it sends.

Keys `["exports", <destination>]` in group `exports`; the lineage reads segment model → segment → export.
"""

from functools import cache

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from activation.config import Destination, load_destinations
from activation.planning import summarise
from activation.sync import sync_destination
from cdp_orchestration.resources import SourceSystems, WarehouseResource
from cdp_orchestration.segments.assets import declared_segments, segment_key


@cache
def destinations() -> tuple[Destination, ...]:
    """destinations.yml, checked against the segments the dbt project declares."""
    return tuple(load_destinations(known_segments={segment.name for segment in declared_segments()}))


def export_asset(destination: Destination) -> AssetsDefinition:
    @asset(
        key=AssetKey(["exports", destination.name]),
        deps=[segment_key(name) for name in destination.segments],
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
    return tuple(export_asset(destination) for destination in destinations())
