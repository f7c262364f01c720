"""A real night's state folder against the project's own statement of its contract (docs/contract.md)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import REPO_ROOT

CONTRACT = REPO_ROOT / "docs" / "contract.md"
TRUTH_COLUMNS = ["source_system", "source_record_id", "person_id", "household_id"]


def promised_tables() -> dict[str, list[str]]:
    """table → columns, from the table of docs/contract.md's "Tables" section."""
    section = CONTRACT.read_text().split("## Tables", 1)[1].split("\n## ", 1)[0]
    tables = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            tables[cells[0].strip("`")] = re.findall(r"`([a-z_0-9]+)`", cells[2])
    return tables


def test_the_contract_names_the_tables_it_promises() -> None:
    assert len(promised_tables()) >= 9


@pytest.mark.parametrize("table", sorted(promised_tables()))
def test_every_promised_table_has_its_columns(built_warehouse: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, name = table.split(".")
    have = {
        column
        for (column,) in built_warehouse.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    assert have, f"{table} is missing"
    assert set(promised_tables()[table]) <= have, set(promised_tables()[table]) - have


def test_raw_schemas_and_the_analytics_copy_exist(built_warehouse: duckdb.DuckDBPyConnection, cdp_home: Path) -> None:
    schemas = {
        s for (s,) in built_warehouse.sql("select distinct table_schema from information_schema.tables").fetchall()
    }
    assert {
        "raw_shopify",
        "raw_square",
        "raw_hubspot",
        "raw_web",
        "quarantine",
        "staging",
        "intermediate",
        "identity",
    } <= schemas
    assert (cdp_home / "analytics.duckdb").exists()


def test_every_source_person_record_of_the_truth_has_one_customer(
    built_warehouse: duckdb.DuckDBPyConnection, cdp_home: Path
) -> None:
    truth = pd.read_csv(cdp_home / "simulator" / "truth.csv", dtype=str)
    assert list(truth.columns[:4]) == TRUTH_COLUMNS
    mapped = built_warehouse.sql(
        "select source_system, cast(source_record_id as varchar) as source_record_id, customer_id "
        "from marts.customer_id_map"
    ).df()
    joined = truth.merge(mapped, on=["source_system", "source_record_id"], how="left")
    assert joined["customer_id"].notna().all(), joined[joined["customer_id"].isna()].head()
    assert len(joined) == len(truth), "a source record maps to more than one customer"


def test_customer_360_has_one_row_per_customer(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    rows, ids = built_warehouse.sql("select count(*), count(distinct customer_id) from marts.customer_360").fetchall()[
        0
    ]
    assert rows == ids > 0
