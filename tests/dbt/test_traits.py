"""customer_360's traits recomputed in Python straight from the raw tables, for a sample of customers.

The fixtures come from the suite's conftest: `built_warehouse` is a read-only DuckDB connection to a warehouse
after a whole run (load, dbt, identity, marts); `cdp_home` is its state folder (with `simulator/truth.csv`).
Only the customer_id assignment (identity's output) and the version-controlled seeds are shared with the models;
money conversion and revenue rules are read here on purpose, independently of the SQL. The rules that choose among
values (survivorship, RFM, consent, lifecycle, birthdays) are not restated: the dbt project shows each with
`unit_tests:` (dbt_project/models/intermediate/customer/_int_customer__models.yml), and consent is judged on planted
events (test_consent.py).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
# ISO 4217 minor-unit exponents of the currencies the sources use (Square sends integer minor units).
EXPONENTS = {"IDR": 2, "VND": 0, "PLN": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3}
SAMPLE_SIZE = 60


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.sql(sql).df()


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(rows)


def _has_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    rows = con.execute(
        "select 1 from information_schema.columns where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchall()
    return bool(rows)


def _utc(value: object) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    moment = pd.Timestamp(value)
    if moment.tzinfo is None:
        moment = moment.tz_localize(UTC)
    return moment.tz_convert(UTC).to_pydatetime()


def _usd_rates() -> dict[str, list[tuple[str, float]]]:
    """Units of each currency per USD, with their first valid day, from the version-controlled seed."""
    rates: dict[str, list[tuple[str, float]]] = defaultdict(list)
    with open(SEEDS / "exchange_rates.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rates[row["currency"]].append((row["valid_from"], float(row["units_per_reporting"])))
    return {currency: sorted(values) for currency, values in rates.items()}


def _to_usd(amount: Decimal, currency: str, on: datetime, rates: dict[str, list[tuple[str, float]]]) -> float:
    day = on.date().isoformat()
    valid = [units for valid_from, units in rates[currency] if valid_from <= day]
    return float(amount) / valid[-1]


@pytest.fixture(scope="module")
def customer_map(built_warehouse: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(built_warehouse, "select record_id, customer_id from marts.customer_id_map")


@pytest.fixture(scope="module")
def raw_orders(built_warehouse: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Revenue orders (not cancelled, refunded or voided) of known customers, in USD, from the raw tables."""
    con = built_warehouse
    rates = _usd_rates()
    cancelled = (
        "cancelled_at" if _has_column(con, "raw_shopify", "orders", "cancelled_at") else "cast(null as timestamptz)"
    )
    # The GraphQL Admin API's shape: the customer by its global ID (its numeric ID last), shop money, display status.
    shopify = _frame(
        con,
        "select id, regexp_extract(customer__id, '[0-9]+$') as customer__id, created_at, "
        "total_price_set__shop_money__amount as total_price, total_price_set__shop_money__currency_code as currency, "
        f"display_financial_status as financial_status, {cancelled} as cancelled_at "
        "from raw_shopify.orders where customer__id is not null",
    )
    square = _frame(
        con,
        "select id, customer_id, created_at, state, total_money__amount, total_money__currency "
        "from raw_square.orders where customer_id is not null",
    )
    rows = []
    for order in shopify.itertuples():
        if order.cancelled_at is not None and not pd.isna(order.cancelled_at):
            continue
        if str(order.financial_status).lower() in ("refunded", "voided"):
            continue
        at = _utc(order.created_at)
        amount = _to_usd(Decimal(order.total_price), order.currency.upper(), at, rates)
        rows.append((f"shopify:{order.customer__id}", at, amount))
    for order in square.itertuples():
        if str(order.state).upper() not in ("COMPLETED", "OPEN"):
            continue
        at = _utc(order.created_at)
        currency = order.total_money__currency.upper()
        amount = Decimal(int(order.total_money__amount)) / (Decimal(10) ** EXPONENTS[currency])
        rows.append((f"square:{order.customer_id}", at, _to_usd(amount, currency, at, rates)))
    return pd.DataFrame(rows, columns=["record_id", "ordered_at", "amount_usd"])


@pytest.fixture(scope="module")
def sample(built_warehouse: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers to check: the busiest (several records, many orders) and a fixed-seed random draw of the rest."""
    profiles = _frame(
        built_warehouse,
        "select customer_id, order_count, total_spend_reporting, first_order_at, last_order_at, "
        "source_record_count from marts.customer_360",
    )
    assert len(profiles), "customer_360 is empty"
    busiest = profiles.sort_values(["source_record_count", "order_count", "customer_id"], ascending=False).head(
        SAMPLE_SIZE // 2
    )
    rest = profiles.drop(busiest.index)
    drawn = rest.sample(n=min(SAMPLE_SIZE // 2, len(rest)), random_state=42)
    return pd.concat([busiest, drawn])


def test_sample_reaches_multi_source_customers(sample: pd.DataFrame, cdp_home: Path) -> None:
    """The sample holds customers merged from several sources, people the simulator knows to exist."""
    assert (sample["source_record_count"] > 1).any()
    assert (cdp_home / "simulator" / "truth.csv").exists()


def test_order_count_and_spend(sample: pd.DataFrame, customer_map: pd.DataFrame, raw_orders: pd.DataFrame) -> None:
    orders = raw_orders.merge(customer_map, on="record_id")
    per_customer = orders.groupby("customer_id").agg(order_count=("amount_usd", "size"), total=("amount_usd", "sum"))
    mismatches = []
    for row in sample.itertuples():
        expected_count = int(per_customer["order_count"].get(row.customer_id, 0))
        expected_total = float(per_customer["total"].get(row.customer_id, 0.0))
        if int(row.order_count) != expected_count or abs(float(row.total_spend_reporting) - expected_total) > 0.01:
            mismatches.append(
                (row.customer_id, row.order_count, expected_count, row.total_spend_reporting, expected_total)
            )
    assert not mismatches, f"customer_360 disagrees with the raw orders: {mismatches[:5]}"
    assert (sample["order_count"] > 0).any(), "the sample should include buying customers"


def test_first_and_last_order(sample: pd.DataFrame, customer_map: pd.DataFrame, raw_orders: pd.DataFrame) -> None:
    orders = raw_orders.merge(customer_map, on="record_id")
    bounds = orders.groupby("customer_id")["ordered_at"].agg(["min", "max"])
    for row in sample.itertuples():
        if row.customer_id not in bounds.index:
            assert pd.isna(row.first_order_at) and pd.isna(row.last_order_at)
            continue
        assert _utc(row.first_order_at) == _utc(bounds.loc[row.customer_id, "min"]), row.customer_id
        assert _utc(row.last_order_at) == _utc(bounds.loc[row.customer_id, "max"]), row.customer_id


def test_one_row_per_customer(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    rows, customers = built_warehouse.sql(
        "select count(*), count(distinct customer_id) from marts.customer_360"
    ).fetchall()[0]
    mapped = built_warehouse.sql("select count(distinct customer_id) from marts.customer_id_map").fetchall()[0][0]
    assert rows == customers == mapped


def test_as_of_is_the_sources_clock(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    """Traits are computed as of the latest run's source clock, not the machine's clock."""
    expected = built_warehouse.sql(
        "select max(observed_at) from meta.source_clock where run_id = "
        "(select run_id from meta.source_clock order by recorded_at desc limit 1)"
    ).fetchall()[0][0]
    as_of = built_warehouse.sql("select distinct as_of_at from marts.customer_360").fetchall()
    assert as_of == [(expected,)]
