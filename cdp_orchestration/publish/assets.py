"""The publish asset: the analysts' copy of the warehouse, at the end of each successful run (see copy.py)."""

import time

from dagster import AssetKey, MaterializeResult, asset

from cdp_orchestration.exports.assets import export_assets
from cdp_orchestration.publish.copy import publish_copy
from cdp_orchestration.segments.assets import HISTORY, MEMBERSHIP
from cdp_orchestration.settings import analytics_path
from cdp_orchestration.transform.assets import dbt_marts

# Last in the night: the copy holds the marts, this night's segments and what the exports sent.
PUBLISHED_AFTER = [*dbt_marts.keys, MEMBERSHIP, HISTORY, *(key for asset in export_assets for key in asset.keys)]


@asset(
    key=AssetKey(["analytics_copy"]),
    deps=PUBLISHED_AFTER,
    group_name="publish",
    pool="warehouse",
    description="Read-only copy of the warehouse for analysts (analytics.duckdb), swapped in atomically.",
)
def analytics_copy() -> MaterializeResult:
    started = time.perf_counter()
    counts = publish_copy()
    return MaterializeResult(
        metadata={
            "path": str(analytics_path()),
            "tables": len(counts),
            "customers": counts.get("marts.customer_360", 0),
            "publish_seconds": round(time.perf_counter() - started, 2),
        }
    )
