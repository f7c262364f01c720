"""The publish asset: the analysts' copy of the warehouse, at the end of each successful run."""

import time
from functools import cache

from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from cdp_orchestration.exports.assets import export_assets
from cdp_orchestration.segments.assets import segment_membership
from cdp_orchestration.transform.assets import marts
from cdp_orchestration.transform.project import classification
from privacy.analytics_copy import publish_copy
from warehouse import analytics_path


@cache
def analytics_copy() -> AssetsDefinition:
    # Last in the night: the copy holds the marts, this night's segments and what the exports sent.
    published_after = [
        *marts().keys,
        *segment_membership().keys,
        *(key for export in export_assets() for key in export.keys),
    ]

    @asset(
        key=AssetKey(["analytics_copy"]),
        deps=published_after,
        group_name="publish",
        pool="warehouse",
        description="Read-only copy of the warehouse for analysts (analytics.duckdb), swapped in atomically.",
    )
    def _analytics_copy() -> MaterializeResult:
        started = time.perf_counter()
        counts = publish_copy(classification())
        return MaterializeResult(
            metadata={
                "path": str(analytics_path()),
                "tables": len(counts),
                "customers": counts.get("marts.customer_360", 0),
                "publish_seconds": round(time.perf_counter() - started, 2),
            }
        )

    return _analytics_copy
