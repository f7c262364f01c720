"""resolve(): accuracy against the generator's truth, and the behaviours the pipeline relies on."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from identity import resolve
from identity.evaluate import pairwise_metrics


def test_every_record_returned_once(population: pd.DataFrame, resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    clusters, _ = resolved
    assert list(clusters.columns) == ["record_id", "cluster_id"]
    assert len(clusters) == len(population)
    assert clusters["record_id"].tolist() == population["record_id"].tolist()
    assert clusters["cluster_id"].map(type).eq(str).all()


def test_accuracy_floor(population: pd.DataFrame, resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    m = pairwise_metrics(resolved[0], population)
    assert m["precision"] >= 0.98, m
    assert m["recall"] >= 0.70, m
    assert m["f1"] >= 0.82, m
    assert m["largest_cluster"] <= 8, m


def test_beats_deterministic_stitching(population: pd.DataFrame, resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from identity_eval import stitch_exact

    ours = pairwise_metrics(resolved[0], population)
    naive = pairwise_metrics(stitch_exact(population), population)
    assert ours["f1"] > naive["f1"] + 0.2
    assert ours["precision"] > naive["precision"]


def test_evidence_columns(resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, evidence = resolved
    for c in (
        "record_id_l",
        "record_id_r",
        "match_weight",
        "match_probability",
        "gamma_name",
        "gamma_dob",
        "gamma_email",
        "gamma_phone",
        "gamma_place",
    ):
        assert c in evidence.columns
    assert len(evidence) > 0
    assert evidence["match_probability"].between(0.5, 1).all()


def test_deterministic(population: pd.DataFrame, resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    # same input in another row order: same clusters, same IDs
    shuffled = population.sample(frac=1.0, random_state=99)
    again = resolve(shuffled).set_index("record_id")["cluster_id"]
    first = resolved[0].set_index("record_id")["cluster_id"]
    assert again.reindex(first.index).tolist() == first.tolist()


def test_names_dob_address_only(no_contact_population: pd.DataFrame) -> None:
    df = no_contact_population.drop(columns=["city", "postcode"])
    m = pairwise_metrics(resolve(df), df)
    assert m["precision"] >= 0.97, m
    assert m["recall"] >= 0.20, m


def _household() -> pd.DataFrame:
    """Four people of one household sharing a phone, an address and a family email."""
    base = {
        "phone": "0812 3456 7890",
        "email": "kusuma.family@gmail.com",
        "address": "Jl. Merdeka No. 5",
        "city": "Bandung",
        "postcode": "40111",
        "country": "ID",
    }
    people = [
        ("Budi", "Kusuma", "1970-02-11"),
        ("Sari", "Kusuma", "1972-08-30"),
        ("Agus", "Kusuma", "1998-05-01"),
        ("Dewi", "Kusuma", "2001-12-24"),
    ]
    rows = []
    for i, (first, last, dob) in enumerate(people):
        for sys_ in ("shopify", "hubspot"):
            rows.append(
                {
                    "record_id": f"hh-{sys_}:{i}",
                    "source_system": sys_,
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": dob if sys_ == "hubspot" else None,
                    **base,
                    "person": i,
                }
            )
    return pd.DataFrame(rows)


def test_household_not_merged(population: pd.DataFrame) -> None:
    hh = _household()
    df = pd.concat([population, hh], ignore_index=True)
    out = resolve(df).set_index("record_id")["cluster_id"]
    got = out.reindex(hh["record_id"])
    # four people: never one cluster, and no cluster holds two of them
    per_cluster = hh.assign(c=got.to_numpy()).groupby("c")["person"].nunique()
    assert per_cluster.max() == 1
    # each person's two records are joined
    assert hh.assign(c=got.to_numpy()).groupby("person")["c"].nunique().max() == 1


def test_placeholders_do_not_merge_strangers() -> None:
    rows = []
    for i, (first, last) in enumerate(
        [
            ("Anna", "Nowak"),
            ("John", "Smith"),
            ("Nguyen", "Thi Lan"),
            ("Budi", "Santoso"),
            ("Maria", "Garcia"),
            ("Piotr", "Zielinski"),
            ("Dewi", "Lestari"),
            ("Tran", "Van Minh"),
        ]
    ):
        for j, (phone, email) in enumerate(
            [("0000000000", "noemail@store.com"), ("-", "n/a"), ("1234567890", "none@none.com")]
        ):
            rows.append(
                {
                    "record_id": f"square:{i}-{j}",
                    "source_system": "square",
                    "first_name": first,
                    "last_name": last if j else None,
                    "phone": phone,
                    "email": email,
                }
            )
    df = pd.DataFrame(rows)
    out = resolve(df)
    person = df["record_id"].str.split(":").str[1].str.split("-").str[0]
    assert out.assign(p=person.to_numpy()).groupby("cluster_id")["p"].nunique().max() == 1


def test_shared_unknown_placeholder_detected_from_data(population: pd.DataFrame) -> None:
    # a store's own phone typed for 60 different customers is not in any blocklist
    df = population.copy()
    idx = df.sample(60, random_state=3).index
    df.loc[idx, "phone"] = "021 555 0199"
    df.loc[idx, "country"] = "ID"
    out = resolve(df)
    m = pairwise_metrics(out, df)
    assert m["precision"] >= 0.98, m


def test_must_link_and_cannot_link(population: pd.DataFrame, resolved: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    clusters = resolved[0]
    sizes = clusters.groupby("cluster_id").size()
    pair_cluster = sizes[sizes == 2].index[0]
    a, b = clusters.loc[clusters["cluster_id"] == pair_cluster, "record_id"].tolist()
    singles = clusters.loc[clusters["cluster_id"].isin(sizes[sizes == 1].index), "record_id"].tolist()
    x, y = singles[0], singles[-1]
    out = resolve(population, must_link=[(x, y)], cannot_link=[(a, b)]).set_index("record_id")["cluster_id"]
    assert out[x] == out[y]
    assert out[a] != out[b]
    with pytest.raises(ValueError):
        resolve(population.head(10), must_link=[(x, y)], cannot_link=[(y, x)])


def test_model_saved_and_reused(population: pd.DataFrame, tmp_path) -> None:
    import identity.pipeline as pipeline

    path = tmp_path / "model.json"
    first = resolve(population, model_path=str(path))
    assert pipeline.last_timings.trained and path.exists()
    assert "identity_profile" in json.loads(path.read_text())
    second = resolve(population, model_path=str(path))
    assert not pipeline.last_timings.trained
    assert second.equals(first)
    # drift: a column disappears -> retrain
    resolve(population.drop(columns=["date_of_birth"]), model_path=str(path))
    assert pipeline.last_timings.trained


def test_minimal_inputs() -> None:
    assert len(resolve(pd.DataFrame({"record_id": []}))) == 0
    one = resolve(pd.DataFrame({"record_id": ["a"], "first_name": ["Ann"]}))
    assert one.to_dict("records") == [{"record_id": "a", "cluster_id": "a"}]
    ids_only = resolve(pd.DataFrame({"record_id": ["a", "b"], "source_system": ["x", "y"]}))
    assert ids_only["cluster_id"].tolist() == ["a", "b"]
    with pytest.raises(ValueError):
        resolve(pd.DataFrame({"record_id": ["a", "a"]}))
