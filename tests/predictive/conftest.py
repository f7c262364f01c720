"""A warehouse in memory with only the tables the predictions read, for planting orders by hand."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest


class Planted:
    """Customers, their source records and orders (with lines) planted into a bare warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.orders = 0
        for schema in ("intermediate", "identity"):
            con.execute(f"create schema {schema}")
        con.execute("create table identity.customer_assignments (record_id varchar, customer_id varchar)")
        con.execute("create table intermediate.int_person_records (record_id varchar, created_at timestamptz)")
        con.execute("create table intermediate.int_run_as_of (as_of_at timestamptz)")
        con.execute(
            """create table intermediate.int_orders (order_id varchar, customer_record_id varchar,
               ordered_at timestamptz, total_amount_reporting double, channel varchar, is_revenue boolean)"""
        )
        con.execute(
            """create table intermediate.int_order_lines (order_id varchar, customer_record_id varchar,
               product_id varchar, product_name varchar, category varchar, ordered_at timestamptz,
               is_revenue boolean)"""
        )

    def as_of(self, moment: str) -> None:
        self.con.execute("insert into intermediate.int_run_as_of values (?)", [moment])

    def customer(self, customer_id: str, *records: tuple[str, str]) -> None:
        """`records`: (record_id, created_at) of the customer's source records."""
        for record_id, created in records:
            self.con.execute("insert into identity.customer_assignments values (?, ?)", [record_id, customer_id])
            self.con.execute("insert into intermediate.int_person_records values (?, ?)", [record_id, created])

    def order(
        self,
        record_id: str | None,
        at: str,
        amount: float = 10.0,
        products: tuple[tuple[str, str], ...] = (("Mug", "home"),),
        channel: str = "in_store",
        revenue: bool = True,
    ) -> None:
        """An order of `record_id` (None: anonymous) with one line per (product name, category)."""
        self.orders += 1
        order_id = f"o{self.orders}"
        self.con.execute(
            "insert into intermediate.int_orders values (?, ?, ?, ?, ?, ?)",
            [order_id, record_id, at, amount, channel, revenue],
        )
        for name, category in products:
            self.con.execute(
                "insert into intermediate.int_order_lines values (?, ?, ?, ?, ?, ?, ?)",
                [order_id, record_id, name.lower(), name, category, at, revenue],
            )


@pytest.fixture
def planted() -> Iterator[Planted]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    yield Planted(con)
    con.close()
