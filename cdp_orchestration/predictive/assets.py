"""The predictions between identity resolution and the marts: customer_360 joins what this step writes."""

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset

from cdp_orchestration.resources import WarehouseResource
from predictive import Card, default_home, predict

PREDICTIONS = AssetKey(["intermediate", "customer_predictions"])
UPSTREAM = [
    AssetKey(["intermediate", "int_orders"]),
    AssetKey(["intermediate", "int_order_lines"]),
    AssetKey(["intermediate", "int_person_records"]),
    AssetKey(["intermediate", "int_run_as_of"]),
    AssetKey(["identity", "customer_assignments"]),
]


class PredictiveConfig(Config):
    retrain: bool = False
    """Train (with backtest and gate) tonight even when the models are not due (they retrain weekly by themselves)."""


@asset(
    key=PREDICTIONS,
    deps=UPSTREAM,
    group_name="predictive",
    pool="warehouse",
    description=(
        "Churn probability with its top reasons, 30-day purchase propensity, predicted 120-day value and next "
        "products per customer, as of the run's as-of time; a prediction that does not beat its baseline on the "
        "backtest is null with the reason. Model cards in $CDP_HOME/predictive/<prediction>/card.json."
    ),
)
def customer_predictions(
    context: AssetExecutionContext, config: PredictiveConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        outcome = predict(con, retrain=config.retrain)
    if outcome.trained:
        context.log.info(f"Trained and backtested {', '.join(outcome.trained)} as of {outcome.as_of:%Y-%m-%d}")
    for card in outcome.cards:
        context.log.info(f"{card.prediction}: {card.headline()}")
    metadata: dict[str, object] = {
        "customers": outcome.customers,
        "as_of": outcome.as_of.isoformat(),
        "trained_tonight": ", ".join(outcome.trained) or "none (models not due)",
        "training_seconds": outcome.seconds["training"],
        "scoring_seconds": outcome.seconds["scoring"],
        "model_cards": MetadataValue.md(cards_table(outcome.cards)),
        "cards_folder": MetadataValue.path(str(default_home())),
    }
    for card in outcome.cards:
        metadata[f"{card.prediction}_customers"] = outcome.values[card.prediction]
        metadata[f"{card.prediction}_card"] = MetadataValue.json(card.as_dict())
    return MaterializeResult(metadata=metadata)


def cards_table(cards: list[Card]) -> str:
    rows = ["| prediction | trained as of | published | backtest |", "| --- | --- | --- | --- |"]
    for card in cards:
        published = "yes" if card.published else "no"
        rows.append(f"| {card.prediction} | {card.trained_as_of[:10]} | {published} | {card.headline()} |")
    return "\n".join(rows)
