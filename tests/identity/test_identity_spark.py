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


# Pairs planted where the translated SQL could differ: list ends and subsets, a token mistyped, a NULL given
# name, digits in an email, a day and month swapped, Jaro-Winkler near its thresholds.
_PAIRS = [
    # name tokens l, r; first tokens l, r; birth date l, r
    (["anna", "kowalska"], ["anna", "kowalskaa"], ["anna"], ["anna"], "1990-01-02", "1990-02-01"),
    (["anna", "kowalska"], ["anna", "kowalska", "maria"], None, ["anna"], "1990-01-02", "1990-01-02"),
    (["jon", "smith"], ["john", "smith"], ["jon"], ["john"], "1980-05-06", "1981-05-06"),
    (["nguyen", "thi", "lan"], ["lan", "nguyen"], ["thi", "lan"], None, "1975-12-30", "1975-12-03"),
    (["smith"], ["john", "smith"], None, ["john"], None, "1980-05-06"),
    (["robert", "jackson"], ["robert", "jacksen"], ["robert"], ["robert"], "2001-07-08", "2001-08-07"),
    (["bob", "lee"], ["rob", "lee"], ["bob"], ["rob"], "1999-09-09", "1999-09-19"),
    (["maria", "garcia"], ["garcia", "maria"], ["maria"], ["garcia"], "1960-01-01", "1960-01-31"),
    (["a", "b", "c"], ["a", "b", "d"], ["a"], ["a"], "1950-03-04", "1950-03-04"),
]
# email l, r; phone l, r; street line
_CONTACTS = [
    ("robert_jackson70@gmail.com", "robert_jackson90@gmail.com", "+628123456789", "+628123456788", "jl mawar 5"),
    ("anna.k@wp.pl", "anna.k@wp.com", "+48601234567", "+48601234567", "ul dluga 7"),
    ("jsmith@x.com", "jsmitth@x.com", None, "+15551234567", "12 main st"),
]


def _unordered(dob: str | None) -> str | None:
    return dob and dob[:5] + "-".join(sorted([dob[5:7], dob[8:10]]))


def _planted_pairs() -> pd.DataFrame:
    rows = []
    for i, (nl, nr, fl, fr, dl, dr) in enumerate(_PAIRS):
        el, er, pl, pr, addr = _CONTACTS[i % len(_CONTACTS)]
        row = {"name_toks_l": nl, "name_toks_r": nr, "first_toks_l": fl, "first_toks_r": fr}
        row |= {"name_key_l": " ".join(nl), "name_key_r": " ".join(nr), "name_ph_l": nl[0], "name_ph_r": nr[0]}
        row |= {"first_c_l": " ".join(fl) if fl else None, "first_c_r": " ".join(fr) if fr else None}
        row |= {"dob_l": dl, "dob_r": dr, "dob_unordered_l": _unordered(dl), "dob_unordered_r": _unordered(dr)}
        row |= {"email_l": el, "email_r": er, "phone_l": pl, "phone_r": pr, "email_shared_l": False}
        row |= {"email_shared_r": i % 2 == 0, "phone_shared_l": False, "phone_shared_r": False}
        row |= {"address_l": addr, "address_r": addr if i % 3 else addr + "a", "postcode_l": "10110"}
        row |= {"postcode_r": "10110" if i % 2 else "10111", "city_l": "jakarta", "city_r": "jakarta"}
        rows.append(row)
    return pd.DataFrame(rows)


def test_comparison_levels_same_on_both_engines() -> None:
    """Every comparison level's SQL, DuckDB's and its translation, decides the same on the same planted pairs."""
    import duckdb

    from identity import settings
    from identity.spark_engine import SparkConnection, session

    pairs = _planted_pairs()
    present = {"name_key", "dob", "email", "phone", "address", "postcode", "city"}
    spec = settings.settings(present, []).create_settings_dict("duckdb")
    conditions = [
        level["sql_condition"]
        for comparison in spec["comparisons"]
        for level in comparison["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    ]

    def spark_type(column: str) -> str:
        return "array<string>" if "toks" in column else "boolean" if "shared" in column else "string"

    con = duckdb.connect()
    spark = SparkConnection(session())
    try:
        settings.create_macros(con)
        settings.create_macros(spark)
        con.register("pairs", pairs)
        schema = ", ".join(f"{c} {spark_type(c)}" for c in pairs.columns)
        spark.spark.createDataFrame(pairs, schema=schema).createOrReplaceTempView("pairs")
        decided = 0
        for cond in conditions:
            query = f"select coalesce({cond}, false) from pairs"
            on_duckdb = [bool(r[0]) for r in con.execute(query).fetchall()]
            on_spark = [bool(r[0]) for r in spark.execute(query).fetchall()]
            assert on_duckdb == on_spark, cond
            decided += any(on_duckdb) and not all(on_duckdb)
        assert len(conditions) >= 20
        assert decided >= 12  # the planted pairs split most levels: the check is not vacuous
    finally:
        con.close()
        spark.close()
