"""One asset per destination of destinations.yml, downstream of the segment assets it sends.

Keys `["exports", <destination>]` in group `exports`; the lineage reads segment model → segment → export.
"""

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from cdp_orchestration.exports.config import Destination, load_destinations
from cdp_orchestration.exports.planning import summarise
from cdp_orchestration.exports.sync import sync_destination
from cdp_orchestration.ingest.resources import SourceSystems
from cdp_orchestration.segments.assets import SEGMENTS, segment_key
from cdp_orchestration.settings import warehouse_path

DESTINATIONS = load_destinations(known_segments={segment.name for segment in SEGMENTS})


def export_asset(destination: Destination) -> AssetsDefinition:
    @asset(
        key=AssetKey(["exports", destination.name]),
        deps=[segment_key(name) for name in destination.segments],
        group_name="exports",
        pool="warehouse",
        kinds={destination.kind},
        description=destination.description or f"Export to {destination.name} ({destination.kind}).",
    )
    def _export(context: AssetExecutionContext, sources: SourceSystems) -> MaterializeResult:
        connection = sources.destination(destination.kind) if destination.is_api else None
        with duckdb.connect(str(warehouse_path())) as con:
            result = sync_destination(con, destination, context.run.run_id, connection)
        planned = summarise(result.planned)
        context.log.info(
            f"{destination.name}: {result.rows_sent} sent, {result.counts.get('failed', 0)} failed, "
            f"{result.counts.get('skipped', 0)} skipped in {result.seconds:.1f} s"
        )
        return MaterializeResult(
            metadata={
                "rows_sent": result.rows_sent,
                "rows_failed": result.counts.get("failed", 0),
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


export_assets = [export_asset(destination) for destination in DESTINATIONS]
