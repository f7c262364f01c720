"""Identity resolution between the canonical person records and the marts, with stable customer IDs."""

import time
from datetime import UTC, datetime

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, MaterializeResult, multi_asset

from cdp_orchestration.resolution.report import write_report
from cdp_orchestration.resolution.store import ensure_tables, read_overrides, save_resolution
from cdp_orchestration.settings import cdp_home, warehouse_path
from identity import resolve
from identity.persistent_ids import assign_customer_ids
from identity.pipeline import MATCH_THRESHOLD

PERSON_RECORDS = AssetKey(["intermediate", "int_person_records"])
ASSIGNMENTS = AssetKey(["identity", "customer_assignments"])
EVIDENCE = AssetKey(["identity", "match_evidence"])
HISTORY = AssetKey(["identity", "id_history"])


class ResolutionConfig(Config):
    retrain: bool = False
    """Train the match model afresh instead of reusing the saved one (a deliberate, logged step)."""


@multi_asset(
    specs=[
        AssetSpec(
            ASSIGNMENTS,
            deps=[PERSON_RECORDS],
            group_name="identity",
            description="Which customer each source person record belongs to, with IDs stable across runs.",
        ),
        AssetSpec(
            EVIDENCE,
            deps=[PERSON_RECORDS],
            group_name="identity",
            description="Every scored pair kept: match weight, probability and per-field agreement.",
        ),
        AssetSpec(
            HISTORY,
            deps=[PERSON_RECORDS],
            group_name="identity",
            description="Every customer ID change (merge, split, erase) for downstream tools to remap.",
        ),
    ],
    pool="warehouse",
)
def resolve_identities(context: AssetExecutionContext, config: ResolutionConfig):
    started = time.perf_counter()
    model_path = cdp_home() / "identity" / "model.json"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    must_link, cannot_link = read_overrides()
    with duckdb.connect(str(warehouse_path())) as con:
        ensure_tables(con)
        records = con.sql("select * from intermediate.int_person_records").df()
        previous = con.sql("select record_id, customer_id from identity.customer_assignments").df()
        retired = [row[0] for row in con.sql("select old_customer_id from identity.id_history").fetchall()]
        had_model = model_path.exists()
        context.log.info(
            f"Resolving {len(records):,} person records ({len(must_link)} forced together, "
            f"{len(cannot_link)} forced apart)"
        )
        clusters, evidence = resolve(
            records,
            model_path=model_path,
            retrain=config.retrain,
            return_evidence=True,
            must_link=must_link,
            cannot_link=cannot_link,
        )
        trained = config.retrain or not had_model
        if trained:
            context.log.info(f"Trained the match model afresh and saved it to {model_path}")
        assignment, history = assign_customer_ids(clusters, previous, retired)
        save_resolution(con, records, assignment, history, evidence, context.run.run_id, datetime.now(UTC))
        customers = assignment["customer_id"].nunique()
        largest = int(assignment["customer_id"].value_counts().max()) if len(assignment) else 0
        changes = history["change"].value_counts().to_dict()
        seconds = round(time.perf_counter() - started, 2)
        con.execute(
            "insert into identity.resolution_runs values (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                context.run.run_id,
                len(records),
                customers,
                changes.get("merge", 0),
                changes.get("split", 0),
                changes.get("erase", 0),
                len(evidence),
                largest,
                trained,
                seconds,
            ],
        )
    report = model_path.parent / "report.html"
    write_report(
        report,
        model_path,
        evidence,
        MATCH_THRESHOLD,
        {
            "records": len(records),
            "customers": customers,
            "pairs kept as evidence": len(evidence),
            "largest customer (records)": largest,
            "model trained this run": trained,
        },
    )
    context.log.info(f"Identity report: {report}")
    yield MaterializeResult(
        asset_key=ASSIGNMENTS,
        metadata={
            "records": len(records),
            "customers": customers,
            "largest_cluster": largest,
            "model_trained": trained,
            "resolve_seconds": seconds,
        },
    )
    yield MaterializeResult(asset_key=EVIDENCE, metadata={"pairs_kept": len(evidence)})
    yield MaterializeResult(
        asset_key=HISTORY,
        metadata={
            "merges": changes.get("merge", 0),
            "splits": changes.get("split", 0),
            "erases": changes.get("erase", 0),
        },
    )
