"""Holdout assignment and campaign results on planted warehouses: shares, stickiness, households, merges, intervals
and the sample-ratio check, each against values the test planted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from activation.campaign_results import results
from activation.holdouts import CONTROL, Scope, assign

AS_OF = datetime(2026, 6, 1, 2, tzinfo=UTC)
CUSTOMERS = 4000


def plant(con: duckdb.DuckDBPyConnection, households: dict[str, str], members: list[tuple[str, str]]) -> None:
    con.execute("create schema if not exists marts; create schema if not exists identity")
    con.execute("create or replace table marts.customer_360 (customer_id varchar, household_id varchar)")
    con.executemany("insert into marts.customer_360 values (?, ?)", list(households.items()))
    con.execute(
        "create or replace table marts.segment_membership "
        "(segment varchar, customer_id varchar, entered_at timestamptz)"
    )
    if members:
        con.executemany("insert into marts.segment_membership values (?, ?, ?)", [(*m, AS_OF) for m in members])
    con.execute(
        """create table if not exists identity.id_history (old_customer_id varchar, new_customer_id varchar,
           change varchar, run_id varchar, changed_at timestamptz)"""
    )


def held(con: duckdb.DuckDBPyConnection, scope: str) -> dict[str, bool]:
    return dict(
        con.execute("select customer_id, held_out from campaigns.assignments where scope = ?", [scope]).fetchall()
    )


@pytest.fixture
def con(tmp_path: Path, in_home: Callable[[Path], None]) -> duckdb.DuckDBPyConnection:
    in_home(tmp_path)  # the installation's hash key lives in this home
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def test_the_share_held_out_is_the_share_asked_for(con: duckdb.DuckDBPyConnection) -> None:
    customers = {f"cus_{i:06d}": f"household:{i}" for i in range(CUSTOMERS)}
    plant(con, customers, [("lapsed", c) for c in customers])
    assign(con, [Scope(CONTROL, 5, per_household=True), Scope("lapsed", 20, per_household=False)], AS_OF)
    # binomial: 4000 draws, within four standard deviations of the share
    for scope, share in ((CONTROL, 0.05), ("lapsed", 0.20)):
        count = sum(held(con, scope).values())
        spread = 4 * (CUSTOMERS * share * (1 - share)) ** 0.5
        assert abs(count - CUSTOMERS * share) < spread, (scope, count)
    # the two draws are independent
    both = sum(a and held(con, "lapsed")[c] for c, a in held(con, CONTROL).items())
    assert abs(both - CUSTOMERS * 0.01) < 4 * (CUSTOMERS * 0.01) ** 0.5


def test_an_assignment_is_frozen_and_a_household_is_held_out_whole(con: duckdb.DuckDBPyConnection) -> None:
    customers = {f"cus_{i:06d}": f"household:{i // 3}" for i in range(900)}  # households of three
    plant(con, customers, [])
    assign(con, [Scope(CONTROL, 10, per_household=True)], AS_OF)
    first = held(con, CONTROL)
    for household in set(customers.values()):
        assert len({first[c] for c, h in customers.items() if h == household}) == 1
    assert any(first.values())
    # A new share, and a newcomer who moves into a held-out household: nobody moves, the newcomer follows the family.
    kept_back = next(h for c, h in customers.items() if first[c])
    customers["cus_new"] = kept_back
    plant(con, customers, [])
    assign(con, [Scope(CONTROL, 50, per_household=True)], AS_OF)
    after = held(con, CONTROL)
    assert {c: after[c] for c in first} == first
    assert after["cus_new"] is True


def test_a_merge_keeps_the_held_out_customer_held_out(con: duckdb.DuckDBPyConnection) -> None:
    customers = {f"cus_{i:06d}": f"household:{i}" for i in range(400)}
    plant(con, customers, [])
    assign(con, [Scope(CONTROL, 10, per_household=True)], AS_OF)
    first = held(con, CONTROL)
    kept_back = next(c for c, h in first.items() if h)
    survivor = next(c for c, h in first.items() if not h)
    del customers[kept_back]
    plant(con, customers, [])
    con.execute("insert into identity.id_history values (?, ?, 'merge', 'r2', ?)", [kept_back, survivor, AS_OF])
    assign(con, [Scope(CONTROL, 10, per_household=True)], AS_OF)
    after = held(con, CONTROL)
    assert kept_back not in after and after[survivor] is True


def stays(
    treated: tuple[int, int], held_out: tuple[int, int], expected_share: float, segment: str = "lapsed"
) -> pd.DataFrame:
    """(members, buyers) of each group of a campaign in `segment`; buyers placed one order of 10."""
    rows = []
    for is_held, (members, buyers) in ((False, treated), (True, held_out)):
        for i in range(members):
            bought = i < buyers
            rows.append((segment, "mailchimp", f"c{is_held}{i}", AS_OF, is_held, expected_share, int(bought),
                         10.0 * bought))  # fmt: skip
    columns = ["segment", "destination", "customer_id", "entered_at", "held_out", "expected_held_out", "orders",
               "revenue"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_results_give_the_planted_uplift_with_its_interval() -> None:
    table = results(stays(treated=(1800, 540), held_out=(200, 20), expected_share=0.1), AS_OF, "USD")
    row = table[table["period"] == "all"].iloc[0]
    assert (row["treated"], row["held_out"]) == (1800, 200)
    assert row["absolute_uplift"] == pytest.approx(0.2)
    assert 0 < row["absolute_uplift_low"] < 0.2 < row["absolute_uplift_high"]
    assert row["relative_uplift"] == pytest.approx(2.0)
    assert row["revenue_uplift"] == pytest.approx(2.0)
    assert 0 < row["revenue_uplift_low"] < 2.0 < row["revenue_uplift_high"]
    assert not row["sample_ratio_mismatch"]
    assert row["required_group_size"] > 0 and row["weeks_to_detect"] > 0


def test_no_effect_gives_an_interval_around_zero() -> None:
    table = results(stays(treated=(1800, 180), held_out=(200, 20), expected_share=0.1), AS_OF, "USD")
    row = table[table["period"] == "all"].iloc[0]
    assert row["absolute_uplift_low"] < 0 < row["absolute_uplift_high"]
    assert row["orders_uplift_low"] < 0 < row["orders_uplift_high"]


def test_a_broken_split_is_flagged() -> None:
    # 10 % promised, 30 % held out: something drops treated members or holds back more than assigned
    table = results(stays(treated=(700, 70), held_out=(300, 30), expected_share=0.1), AS_OF, "USD")
    assert table[table["period"] == "all"].iloc[0]["sample_ratio_mismatch"]
    assert np.isfinite(table["srm_p_value"].astype(float)).all()
