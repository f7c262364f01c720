"""Quality checks on identity resolution; a blocking failure stops everything downstream (the exports)."""

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from cdp_orchestration.resolution.assets import ASSIGNMENTS
from cdp_orchestration.resources import WarehouseResource
from identity.evaluate import pairwise_metrics
from warehouse import cdp_home

# A household with a few duplicate records each; anything larger is almost surely strangers glued together.
MAX_PLAUSIBLE_CLUSTER = 12


@asset_check(asset=ASSIGNMENTS, blocking=True, description="No customer holds more records than a household could.")
def cluster_size_outliers(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        sizes = con.sql(
            """
            select customer_id, count(*) n from identity.customer_assignments
            group by 1 having count(*) > ? order by n desc limit 10""",
            params=[MAX_PLAUSIBLE_CLUSTER],
        ).fetchall()
    return AssetCheckResult(
        passed=not sizes,
        metadata={
            "oversized_customers": len(sizes),
            "largest": sizes[0][1] if sizes else 0,
            "examples": ", ".join(c for c, _ in sizes) or "none",
        },
    )


@asset_check(
    asset=ASSIGNMENTS,
    blocking=True,
    description="Every source person record has exactly one customer ID, and none is left out.",
)
def every_record_assigned(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        missing = con.sql("""
            select count(*) from intermediate.int_person_records r
            left join identity.customer_assignments a using (record_id) where a.customer_id is null""").fetchall()[0][0]
    return AssetCheckResult(passed=missing == 0, metadata={"records_without_customer_id": missing})


@asset_check(asset=ASSIGNMENTS, description="Share of source records matched to at least one other record.")
def share_of_records_matched(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        records, matched, customers = con.sql("""
            with sizes as (select customer_id, count(*) n from identity.customer_assignments group by 1)
            select coalesce(sum(n), 0), coalesce(sum(n) filter (where n > 1), 0), count(*) from sizes""").fetchall()[0]
    share = matched / records if records else 0.0
    # Several systems hold most customers twice or more: almost no matches means resolution broke.
    return AssetCheckResult(
        passed=records == 0 or share >= 0.05,
        severity=AssetCheckSeverity.WARN,
        metadata={"records": int(records), "customers": int(customers), "share_matched": round(share, 4)},
    )


@asset_check(asset=ASSIGNMENTS, description="Pairwise accuracy against the simulator's ground truth, when it exists.")
def accuracy_against_simulator_truth(warehouse: WarehouseResource) -> AssetCheckResult:
    """The one reader of the simulator's truth in the pipeline (CONTRACT §6): reports, never blocks."""
    truth_file = cdp_home() / "simulator" / "truth.csv"
    if not truth_file.exists():
        return AssetCheckResult(passed=True, metadata={"status": "no ground truth (real sources)"})
    truth = pd.read_csv(truth_file, dtype=str)
    truth["record_id"] = truth["source_system"] + ":" + truth["source_record_id"]
    with warehouse.connect(read_only=True) as con:
        clusters = con.sql("select record_id, customer_id as cluster_id from identity.customer_assignments").df()
    metrics = pairwise_metrics(clusters, truth)
    return AssetCheckResult(
        passed=True,
        severity=AssetCheckSeverity.WARN,
        metadata={name: round(metrics[name], 4) for name in ("precision", "recall", "f1")},
    )


identity_checks = [
    cluster_size_outliers,
    every_record_assigned,
    share_of_records_matched,
    accuracy_against_simulator_truth,
]
