"""marts.households against the simulator's truth (`household_id` of truth.csv) on the session's warehouse.

The pairwise measure is the benchmark's (benchmarks/households.py); `make bench` prints it for larger populations.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.households import household_metrics
from simulator.mess import PLACEHOLDER_EMAILS, PLACEHOLDER_PHONES

MIN_PRECISION = 0.95
# Recall is bounded by what the records show: a family member typed with no address, their own mobile and their
# own email shares nothing the CDP can see.
MIN_RECALL = 0.6


def test_households_match_truth(built_warehouse: duckdb.DuckDBPyConnection, cdp_home: Path) -> None:
    metrics = household_metrics(built_warehouse, cdp_home / "simulator" / "truth.csv")
    assert metrics["true_pairs"] >= 10, f"the session population has too few households to judge: {metrics}"
    assert metrics["precision"] >= MIN_PRECISION, metrics
    assert metrics["recall"] >= MIN_RECALL, metrics


def test_customer_360_carries_the_household(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = built_warehouse.sql("""
        select c.household_size, count(*) over (partition by c.household_id) as members, h.household_size as mart
        from marts.customer_360 as c
        left join marts.households as h on h.household_id = c.household_id
    """).fetchall()
    assert rows and all(size == members == mart for size, members, mart in rows)
    assert any(size > 1 for size, _, _ in rows)


def test_till_placeholders_join_no_household(built_warehouse: duckdb.DuckDBPyConnection, cdp_home: Path) -> None:
    """Customers whose till record carries the same placeholder (planted by the simulator) are not put together
    unless truth says they live together."""
    held = built_warehouse.execute(
        """
        select m.customer_id, c.household_id, r.id as source_record_id,
               coalesce(case when list_contains($emails, trim(r.email_address)) then trim(r.email_address) end,
                        case when list_contains($phones, trim(r.phone_number)) then trim(r.phone_number) end) as value
        from raw_square.customers as r
        join marts.customer_id_map as m on m.source_system = 'square' and m.source_record_id = r.id
        join marts.customer_360 as c on c.customer_id = m.customer_id
        where list_contains($emails, trim(r.email_address)) or list_contains($phones, trim(r.phone_number))
        """,
        {"emails": list(PLACEHOLDER_EMAILS), "phones": list(PLACEHOLDER_PHONES)},
    ).df()
    truth = pd.read_csv(cdp_home / "simulator" / "truth.csv", dtype=str)
    truth = truth.rename(columns={"household_id": "truth"})
    held = held.merge(truth[truth["source_system"] == "square"], on="source_record_id")
    pairs = held.merge(held, on="value")
    pairs = pairs[pairs["customer_id_x"] < pairs["customer_id_y"]]
    assert len(pairs) >= 3, "the session population should plant placeholders shared by several customers"
    wrong = pairs[(pairs["household_id_x"] == pairs["household_id_y"]) & (pairs["truth_x"] != pairs["truth_y"])]
    assert wrong.empty, wrong
