"""The gate as a check: no prediction reaches customer_360 unless its model card says it beat its baseline."""

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from cdp_orchestration.predictive.assets import PREDICTIONS
from cdp_orchestration.resources import WarehouseResource
from predictive import TABLE, TRAITS, read_all
from warehouse import quote


@asset_check(
    asset=PREDICTIONS,
    blocking=True,
    description=(
        "Refuses to publish a prediction that did not beat its baseline on the backtest or had fewer than 100 "
        "examples of a class: such a trait must be null for every customer, with the reason."
    ),
)
def only_proven_predictions_published(warehouse: WarehouseResource) -> AssetCheckResult:
    cards = {card.prediction: card for card in read_all()}
    with warehouse.connect(read_only=True) as con:
        counts = {trait: _values(con, trait) for trait in TRAITS}
    published = {trait for trait, card in cards.items() if card.published}
    unproven = {trait: n for trait, n in counts.items() if n and trait not in published}
    return AssetCheckResult(
        passed=not unproven,
        metadata={
            "published": ", ".join(sorted(published)) or "none",
            "withheld": ", ".join(t for t in TRAITS if t not in published) or "none",
            "unproven_values": ", ".join(f"{t}: {n}" for t, n in unproven.items()) or "none",
        },
    )


@asset_check(asset=PREDICTIONS, description="Every prediction is published (a warning names each one withheld).")
def predictions_withheld(warehouse: WarehouseResource) -> AssetCheckResult:
    withheld = {card.prediction: card.withheld_reason for card in read_all() if not card.published}
    return AssetCheckResult(
        passed=not withheld,
        severity=AssetCheckSeverity.WARN,
        metadata={trait: reason or "" for trait, reason in withheld.items()} or {"withheld": "none"},
    )


def _values(con: duckdb.DuckDBPyConnection, trait: str) -> int:
    return int(con.execute(f"select count({quote(trait)}) from {TABLE}").fetchall()[0][0])


predictive_checks = [only_proven_predictions_published, predictions_withheld]
