"""Quality checks on identity resolution; a blocking failure stops everything downstream (the exports)."""

from pathlib import Path

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from cdp_orchestration.resolution.assets import ASSIGNMENTS
from cdp_orchestration.settings import cdp_home, warehouse_path

# A household with a few duplicate records each; anything larger is almost surely strangers glued together.
MAX_PLAUSIBLE_CLUSTER = 12


@asset_check(asset=ASSIGNMENTS, blocking=True, description="No customer holds more records than a household could.")
def cluster_size_outliers() -> AssetCheckResult:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
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
def every_record_assigned() -> AssetCheckResult:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        missing = con.sql("""
            select count(*) from intermediate.int_person_records r
            left join identity.customer_assignments a using (record_id) where a.customer_id is null""").fetchall()[0][0]
    return AssetCheckResult(passed=missing == 0, metadata={"records_without_customer_id": missing})


@asset_check(asset=ASSIGNMENTS, description="Share of source records matched to at least one other record.")
def share_of_records_matched() -> AssetCheckResult:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
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


def truth_file() -> Path:
    return cdp_home() / "simulator" / "truth.csv"


@asset_check(asset=ASSIGNMENTS, description="Pairwise accuracy against the simulator's ground truth, when it exists.")
def accuracy_against_simulator_truth() -> AssetCheckResult:
    """The one reader of the simulator's truth in the pipeline (CONTRACT §6): reports, never blocks."""
    truth = truth_file()
    if not truth.exists():
        return AssetCheckResult(passed=True, metadata={"status": "no ground truth (real sources)"})
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        predicted, actual, both = con.sql(f"""
            with joined as (
                select a.customer_id, t.person_id
                from identity.customer_assignments a
                join read_csv('{truth}', all_varchar = true) t
                  on t.source_system = a.source_system and t.source_record_id = a.source_record_id
            ),
            pairs_in(n) as (select count(*) * (count(*) - 1) / 2 from joined group by customer_id),
            pairs_true(n) as (select count(*) * (count(*) - 1) / 2 from joined group by person_id),
            pairs_both(n) as (select count(*) * (count(*) - 1) / 2 from joined group by customer_id, person_id)
            select (select sum(n) from pairs_in), (select sum(n) from pairs_true), (select sum(n) from pairs_both)
        """).fetchall()[0]
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return AssetCheckResult(
        passed=True,
        severity=AssetCheckSeverity.WARN,
        metadata={"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)},
    )


identity_checks = [
    cluster_size_outliers,
    every_record_assigned,
    share_of_records_matched,
    accuracy_against_simulator_truth,
]
