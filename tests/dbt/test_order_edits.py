"""An order edited in its source (Shopify's order edits take a line off) reaches the incremental facts whole: the next
night's build holds the order's lines as the source has them now, not the removed line beside them.

The edit is planted in a copy of the session's warehouse as a merge load of the edited order leaves it (dlt replaces
a merged order's line rows): one line row gone, the order's row under a newer load id."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from tests.conftest import run_dbt


def plant_order_edit(warehouse: Path) -> tuple[str, set[str]]:
    """Takes one line off a Shopify order of several lines; returns the order's ID and the IDs of the lines it keeps
    (the raw IDs, as Shopify numbers them)."""
    with duckdb.connect(str(warehouse)) as con:
        order_row, order_id = con.sql("""
            select orders._dlt_id, cast(orders.id as varchar)
            from raw_shopify.orders as orders
            inner join raw_shopify.orders__line_items as lines on orders._dlt_id = lines._dlt_parent_id
            group by all
            having count(*) >= 2
            order by 2
            limit 1
        """).fetchall()[0]
        lines = [
            line
            for (line,) in con.execute(
                "select cast(id as varchar) from raw_shopify.orders__line_items where _dlt_parent_id = ? order by 1",
                [order_row],
            ).fetchall()
        ]
        con.execute("delete from raw_shopify.orders__line_items where cast(id as varchar) = ?", [lines[0]])
        # dlt's load IDs are the times its loads started: tonight's is newer than every load of the session.
        con.execute(
            "update raw_shopify.orders set _dlt_load_id = ? where _dlt_id = ?", [f"{time.time():.7f}", order_row]
        )
    # A global ID (gid://shopify/LineItem/123) is kept as its number, as the models keep it.
    return order_id.rsplit("/", 1)[-1], {line.rsplit("/", 1)[-1] for line in lines[1:]}


def test_a_line_taken_off_an_order_leaves_the_order_lines_fact(home_copy: Path) -> None:
    order_id, kept = plant_order_edit(home_copy / "warehouse.duckdb")
    built = run_dbt(
        home_copy,
        home_copy / "dbt_order_edit",
        "run",
        "--select",
        "int_orders int_order_lines fct_order_lines",
        timeout=600,
    )
    assert "incremental model marts.fct_order_lines" in built.stdout, "the fact is an incremental model"
    with duckdb.connect(str(home_copy / "warehouse.duckdb"), read_only=True) as con:
        held = con.execute(
            "select source_order_line_id from marts.fct_order_lines where order_id = ?", [f"shopify:{order_id}"]
        ).fetchall()
    assert {line for (line,) in held} == kept
