"""A forget on a Spark home, as Spark reads it: the landed tables registered on Spark (dlt's merge over the files)
and a table Spark wrote itself (its files with Hadoop's checksums beside them) read the forgotten person's rows as
gone, and everyone else's as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from privacy.classification import Classification
from privacy.forget import forget
from tests.privacy.planted_spark import ANN_EMAIL, ANN_SHOPIFY, BOB_SHOPIFY, plant_spark_home
from warehouse.landing import landing_dir, register

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("spark_forget") / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CDP_HOME", str(home))
        env.setenv("CDP_ENGINE", "spark")
        plant_spark_home(home)
        yield home


@pytest.fixture(scope="module")
def spark(home: Path) -> Iterator[object]:
    from warehouse.spark import session

    spark = session(home)
    yield spark
    spark.stop()


def _customers(spark: object) -> list[str]:
    return sorted(r["id"] for r in spark.sql("select id from raw_shopify.customers").collect())


def _order_lines(spark: object) -> list[str]:
    return sorted(r["_dlt_parent_id"] for r in spark.sql("select * from raw_shopify.orders__line_items").collect())


def test_the_landed_tables_spark_reads_hold_the_forgotten_person_no_more(home: Path, spark: object) -> None:
    landing = landing_dir(home)
    assert register(spark, landing, "raw_shopify", "customers", ("id",))
    assert register(spark, landing, "raw_shopify", "orders__line_items", ("_dlt_id",), ("_dlt_parent_id",))
    assert (_customers(spark), _order_lines(spark)) == ([ANN_SHOPIFY, BOB_SHOPIFY], ["d-o1", "d-o2"])
    spark.sql("create database if not exists marts")
    spark.sql(
        "create table marts.spark_written using parquet as select /*+ COALESCE(1) */ * from values "
        f"('C-ANN', '{ANN_EMAIL}'), ('C-BOB', 'bob.ray@mailbox.org') as t(customer_id, email)"
    )
    assert list((home / "spark/warehouse/marts.db/spark_written").glob(".part-*.crc"))
    result = forget("email", ANN_EMAIL, "dpo@example.com", Classification())
    assert result.customers == 1
    # A session that listed the files before keeps its listing until told: the night registers them anew.
    for table in ("raw_shopify__landed.customers", "raw_shopify__landed.orders__line_items", "marts.spark_written"):
        spark.catalog.refreshTable(table)
    assert (_customers(spark), _order_lines(spark)) == ([BOB_SHOPIFY], ["d-o2"])
    assert [r["customer_id"] for r in spark.sql("select * from marts.spark_written").collect()] == ["C-BOB"]
