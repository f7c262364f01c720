"""resolve() on Spark (Splink's Spark backend, local[2]) against resolve() on DuckDB, on the same generated records.

Marked ``spark``: ``make test`` leaves it out (a Spark session takes a minute or two of both cores); it needs Java.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from identity_datagen import generate

from identity import resolve
from identity.evaluate import pairwise_agreement, pairwise_metrics

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (openjdk-17-jre-headless)"),
]

# About 2,600 records: enough for EM to see every level, small enough for local Spark in a few minutes.
N_PEOPLE = 1300


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return generate(N_PEOPLE, seed=23)


@pytest.fixture(scope="module")
def both(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return resolve(records, engine="duckdb"), resolve(records, engine="spark")


def test_spark_clusters_agree_with_duckdb(both: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    duck, spark = both
    agreement = pairwise_agreement(duck, spark)
    assert agreement["agreement"] >= 0.99, agreement


def test_spark_quality_against_truth_matches_duckdb(
    records: pd.DataFrame, both: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    duck, spark = (pairwise_metrics(c, records) for c in both)
    assert abs(spark["f1"] - duck["f1"]) <= 0.01, (duck, spark)
    assert spark["precision"] >= 0.98, spark
    assert spark["mixed_clusters"] <= duck["mixed_clusters"] + 2, (duck, spark)


def test_spark_output_is_resolves_contract(records: pd.DataFrame, both: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, spark = both
    assert spark["record_id"].tolist() == records["record_id"].astype(str).tolist()
    assert spark["cluster_id"].map(type).eq(str).all()
    # The cluster ID is the smallest record ID of its cluster, as on DuckDB.
    assert (
        spark.groupby("cluster_id")["record_id"].min() == spark.groupby("cluster_id")["record_id"].first().index
    ).all()


def test_engine_from_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from identity.spark_engine import engine_name

    monkeypatch.delenv("CDP_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("CDP_ENGINE", "Spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"
    monkeypatch.setenv("CDP_ENGINE", "presto")
    with pytest.raises(ValueError, match="CDP_ENGINE"):
        engine_name()
