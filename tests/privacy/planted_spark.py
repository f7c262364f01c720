"""A planted Spark home: dlt's landed loads, Spark's table folders, a copied source and the warehouse file with its
bookkeeping tables and views over Spark's tables, laid out as `CDP_ENGINE=spark` leaves them. Two people: Ann (the
subject, a Shopify and a HubSpot record) and Bob; each row is planted with its owner, so a test knows whose it is
without asking the code under test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from resolution.store import ensure_tables as ensure_identity_tables

ANN_EMAIL, ANN_PHONE, ANN_NAME = "ann.lee@mailbox.org", "+44 7700 900123", "Annabel Leeworth"
ANN_SHOPIFY, ANN_HUBSPOT = "7001234567890", "51"
# An address only her CRM record holds, in a column of its own: identity never saw it, the landed contacts did.
ANN_WORK_EMAIL = "ann.lee@office-post.org"
BOB_EMAIL, BOB_SHOPIFY, BOB_HUBSPOT = "bob.ray@mailbox.org", "7009876543210", "52"
ANN, BOB = "ann", "bob"
# A column type of every kind the files hold, for the schema to be checked through a rewrite.
CUSTOMERS = "id varchar, email varchar, phone varchar, first_name varchar, total_spent decimal(12, 2), updated_at " \
    "timestamptz, _dlt_load_id varchar, _dlt_id varchar"  # fmt: skip


@dataclass
class PlantedFile:
    path: Path
    columns: str  # `name type, …` as DuckDB writes them
    rows: list[tuple[str, tuple]]  # (owner, values)


@dataclass
class SparkHome:
    home: Path
    files: list[PlantedFile] = field(default_factory=list)

    def file(self, relative: str) -> PlantedFile:
        return next(f for f in self.files if f.path == self.home / relative)


def _customer(who: str, record: str, email: str, phone: str, name: str, load: str) -> tuple[str, tuple]:
    return who, (record, email, phone, name, 120.5, "2026-11-01 10:00:00+00", load, f"c-{record}")


# Relative path → (columns, rows by owner). Ann's last load sent only her: that file is left with no row.
FILES: dict[str, tuple[str, list[tuple[str, tuple]]]] = {
    "spark/landing/raw_shopify/customers/1.0.aa.parquet": (
        CUSTOMERS,
        [
            _customer(ANN, ANN_SHOPIFY, ANN_EMAIL, ANN_PHONE, ANN_NAME, "1.0"),
            _customer(BOB, BOB_SHOPIFY, BOB_EMAIL, "+44 7700 900999", "Bob Ray", "1.0"),
        ],
    ),
    "spark/landing/raw_shopify/customers/2.0.bb.parquet": (
        CUSTOMERS,
        [
            _customer(BOB, BOB_SHOPIFY, BOB_EMAIL, "+44 7700 900999", "Bob Ray", "2.0"),
        ],
    ),
    "spark/landing/raw_shopify/customers/3.0.cc.parquet": (
        CUSTOMERS,
        [
            _customer(ANN, ANN_SHOPIFY, ANN_EMAIL.upper(), ANN_PHONE, ANN_NAME, "3.0"),
        ],
    ),
    # Ann's order names her by her Shopify ID; its line item names no one and goes with its order.
    "spark/landing/raw_shopify/orders/1.0.dd.parquet": (
        "id varchar, customer_id varchar, shipping_name varchar, _dlt_load_id varchar, _dlt_id varchar",
        [(ANN, ("o1", ANN_SHOPIFY, ANN_NAME, "1.0", "d-o1")), (BOB, ("o2", BOB_SHOPIFY, "Bob Ray", "1.0", "d-o2"))],
    ),
    "spark/landing/raw_shopify/orders__line_items/1.0.ee.parquet": (
        "title varchar, quantity bigint, _dlt_parent_id varchar, _dlt_load_id varchar, _dlt_id varchar",
        [(ANN, ("Teapot", 1, "d-o1", "1.0", "d-l1")), (BOB, ("Teapot", 2, "d-o2", "1.0", "d-l2"))],
    ),
    "spark/landing/raw_shopify/products/1.0.ff.parquet": (
        "id varchar, title varchar, _dlt_load_id varchar, _dlt_id varchar",
        [("", ("p1", "Teapot", "1.0", "d-p1"))],
    ),
    "spark/landing/raw_hubspot/contacts/1.0.gg.parquet": (
        "id varchar, email varchar, work_email varchar, phone varchar, _dlt_load_id varchar, _dlt_id varchar",
        [
            (ANN, (ANN_HUBSPOT, ANN_EMAIL, ANN_WORK_EMAIL, "07700 900123", "1.0", "h-51")),
            (BOB, (BOB_HUBSPOT, BOB_EMAIL, None, "07700 900999", "1.0", "h-52")),
        ],
    ),
    # An email sent to her work address names nothing else of hers.
    "spark/landing/raw_hubspot/email_events/1.0.hh.parquet": (
        "id varchar, recipient varchar, created bigint, _dlt_load_id varchar, _dlt_id varchar",
        [
            (ANN, ("ev1", ANN_WORK_EMAIL, 1_793_000_000_000, "1.0", "h-ev1")),
            (BOB, ("ev2", BOB_EMAIL, 1_793_000_000_000, "1.0", "h-ev2")),
        ],
    ),
    # dbt's models on Spark: Ann's part file of customer_360 is left with no row; a table only she is in keeps its
    # one file, empty.
    "spark/warehouse/intermediate.db/int_person_records/part-00000-x.snappy.parquet": (
        "record_id varchar, source_system varchar, source_record_id varchar, email varchar, email_key varchar, "
        "phone varchar, first_name varchar",
        [
            (ANN, (f"shopify:{ANN_SHOPIFY}", "shopify", ANN_SHOPIFY, ANN_EMAIL, ANN_EMAIL, ANN_PHONE, ANN_NAME)),
            (ANN, (f"hubspot:{ANN_HUBSPOT}", "hubspot", ANN_HUBSPOT, ANN_EMAIL, ANN_EMAIL, ANN_PHONE, ANN_NAME)),
            (BOB, (f"shopify:{BOB_SHOPIFY}", "shopify", BOB_SHOPIFY, BOB_EMAIL, BOB_EMAIL, "+44 7700 900999", "Bob")),
            (BOB, (f"hubspot:{BOB_HUBSPOT}", "hubspot", BOB_HUBSPOT, BOB_EMAIL, BOB_EMAIL, "+44 7700 900999", "Bob")),
        ],
    ),
    "spark/warehouse/marts.db/customer_id_map/part-00000-x.snappy.parquet": (
        "customer_id varchar, record_id varchar, source_system varchar, source_record_id varchar",
        [
            (ANN, ("C-ANN", f"shopify:{ANN_SHOPIFY}", "shopify", ANN_SHOPIFY)),
            (ANN, ("C-ANN", f"hubspot:{ANN_HUBSPOT}", "hubspot", ANN_HUBSPOT)),
            (BOB, ("C-BOB", f"shopify:{BOB_SHOPIFY}", "shopify", BOB_SHOPIFY)),
            (BOB, ("C-BOB", f"hubspot:{BOB_HUBSPOT}", "hubspot", BOB_HUBSPOT)),
        ],
    ),
    "spark/warehouse/marts.db/customer_360/part-00000-x.snappy.parquet": (
        "customer_id varchar, email varchar, phone varchar, first_name varchar, orders bigint",
        [(ANN, ("C-ANN", ANN_EMAIL, ANN_PHONE, ANN_NAME, 1))],
    ),
    "spark/warehouse/marts.db/customer_360/part-00001-x.snappy.parquet": (
        "customer_id varchar, email varchar, phone varchar, first_name varchar, orders bigint",
        [(BOB, ("C-BOB", BOB_EMAIL, "+44 7700 900999", "Bob", 1))],
    ),
    "spark/warehouse/marts.db/fct_customer_events/part-00000-x.snappy.parquet": (
        "customer_id varchar, event_type varchar, event_at timestamptz",
        [(ANN, ("C-ANN", "email_open", "2020-01-01 00:00:00+00")), (BOB, ("C-BOB", "order", "2026-11-01 00:00:00+00"))],
    ),
    "spark/warehouse/marts.db/vip_customers/part-00000-x.snappy.parquet": (
        "customer_id varchar, tier varchar",
        [(ANN, ("C-ANN", "gold"))],
    ),
    # A source copied from the warehouse to Spark (warehouse.spark.copy_sources).
    "spark/raw/identity/customer_assignments/data.parquet": (
        "record_id varchar, customer_id varchar, source_system varchar, source_record_id varchar",
        [
            (ANN, (f"shopify:{ANN_SHOPIFY}", "C-ANN", "shopify", ANN_SHOPIFY)),
            (ANN, (f"hubspot:{ANN_HUBSPOT}", "C-ANN", "hubspot", ANN_HUBSPOT)),
            (BOB, (f"shopify:{BOB_SHOPIFY}", "C-BOB", "shopify", BOB_SHOPIFY)),
            (BOB, (f"hubspot:{BOB_HUBSPOT}", "C-BOB", "hubspot", BOB_HUBSPOT)),
        ],
    ),
}
# The warehouse's views over Spark's tables, as the Spark engine writes them.
SPARK_VIEWS = [("intermediate", "int_person_records"), ("marts", "customer_id_map"), ("marts", "customer_360"),
               ("marts", "vip_customers"), ("marts", "fct_customer_events")]  # fmt: skip


def write_parquet(path: Path, columns: str, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"create table t ({columns})")
        if rows:
            con.executemany(f"insert into t values ({', '.join('?' * len(rows[0]))})", [list(r) for r in rows])
        con.execute(f"copy t to '{path}' (format parquet)")


def plant_spark_home(home: Path) -> SparkHome:
    planted = SparkHome(home)
    for relative, (columns, rows) in FILES.items():
        path = home / relative
        write_parquet(path, columns, [values for _, values in rows])
        planted.files.append(PlantedFile(path, columns, rows))
    # Spark's local file system writes a checksum beside each file it writes.
    (home / "spark/warehouse/marts.db/customer_360/.part-00000-x.snappy.parquet.crc").write_bytes(b"crc")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ensure_identity_tables(con)
        con.execute("create schema meta; create schema intermediate; create schema marts")
        con.execute(
            "insert into identity.customer_assignments by name "
            f"select * from read_parquet('{home}/spark/raw/identity/customer_assignments/*.parquet')"
        )
        con.execute("create table meta.sources_clock (observed_at timestamptz)")
        con.execute("insert into meta.sources_clock values ('2026-12-01 00:00:00+00')")
        for schema, table in SPARK_VIEWS:
            con.execute(
                f"create view {schema}.{table} as "
                f"select * from read_parquet('{home}/spark/warehouse/{schema}.db/{table}/*.parquet')"
            )
    return planted
