"""Identity resolution between the canonical person records and the marts, with stable customer IDs."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, MaterializeResult, multi_asset

from cdp_orchestration.resources import WarehouseResource
from resolution import override_files, resolve_warehouse
from warehouse import cdp_home

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
            description="Every scored pair kept: match weight, probability and per-field agreement (beside the web "
            "ties that web_client_evidence writes, kept when identity is resolved again without it).",
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
def resolve_identities(context: AssetExecutionContext, config: ResolutionConfig, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        outcome = resolve_warehouse(
            con, cdp_home() / "identity" / "model.json", override_files(), context.run.run_id, retrain=config.retrain
        )
    if outcome.model_trained:
        context.log.info(
            "Trained the match model afresh on this warehouse's records (first run, asked for, a forget, or drift)"
        )
    if outcome.incremental:
        context.log.info(f"Resolved incrementally: {outcome.changed_records:,} new or changed records")
    context.log.info(f"Resolved {outcome.records:,} person records into {outcome.customers:,} customers")
    context.log.info(f"Identity report: {outcome.report}")
    yield MaterializeResult(
        asset_key=ASSIGNMENTS,
        metadata={
            "records": outcome.records,
            "customers": outcome.customers,
            "largest_cluster": outcome.largest_cluster,
            "model_trained": outcome.model_trained,
            "incremental": outcome.incremental,
            "changed_records": outcome.changed_records,
            "resolve_seconds": outcome.seconds,
        },
    )
    yield MaterializeResult(asset_key=EVIDENCE, metadata={"pairs_kept": outcome.pairs_kept})
    yield MaterializeResult(
        asset_key=HISTORY,
        metadata={f"{change}s": n for change, n in outcome.changes.items()},
    )
