"""Analysts' overrides name two records but speak of people: `same` makes the two records' customers one customer,
`different` keeps them apart without tearing either customer up. Judged against one planted person seen as two
customers (``identity_datagen.planted_person_seen_twice``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from identity_datagen import PLANTED_A, PLANTED_B, planted_person_seen_twice

from identity import PreviousRun, Resolution, assign_customer_ids, resolve, resolve_incremental

PLANTED = PLANTED_A + PLANTED_B


@dataclass
class Night:
    records: pd.DataFrame
    model: Path
    one: Resolution
    ids: pd.DataFrame  # night one's customer IDs

    def customer(self, records: list[str]) -> set[str]:
        return set(self.ids.loc[self.ids["record_id"].isin(records), "customer_id"])


@pytest.fixture(scope="module")
def night(population: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Night:
    """The population with the planted person, resolved without overrides, its model saved."""
    records = pd.concat([population, planted_person_seen_twice()], ignore_index=True)
    model = tmp_path_factory.mktemp("overrides") / "model.json"
    one = resolve_incremental(records, None, model_path=model)
    return Night(records, model, one, assign_customer_ids(one.clusters, None)[0])


def members(clusters: pd.DataFrame, record_id: str, column: str = "cluster_id") -> set[str]:
    """The records that share ``record_id``'s cluster (or customer)."""
    label = clusters.loc[clusters["record_id"] == record_id, column].item()
    return set(clusters.loc[clusters[column] == label, "record_id"])


def test_without_an_override_the_planted_person_is_two_whole_customers(night: Night) -> None:
    # The scenario the other tests stand on: each half is one customer, and nothing scored joins the halves.
    assert members(night.one.clusters, PLANTED_A[0]) == set(PLANTED_A)
    assert members(night.one.clusters, PLANTED_B[0]) == set(PLANTED_B)


# An end of the first customer's chain, its middle record, its other end, each named with a record of the second.
SAME_PAIRS = [(PLANTED_A[0], PLANTED_B[0]), (PLANTED_A[1], PLANTED_B[0]), (PLANTED_A[2], PLANTED_B[1])]


@pytest.mark.parametrize("pair", SAME_PAIRS, ids=["end", "middle", "other-end"])
def test_same_makes_the_two_customers_one(night: Night, pair: tuple[str, str]) -> None:
    out = resolve(night.records, model_path=night.model, must_link=[pair])
    assert members(out, pair[0]) == set(PLANTED)


@pytest.mark.parametrize("pair", SAME_PAIRS, ids=["end", "middle", "other-end"])
def test_same_on_a_later_night_keeps_one_of_the_two_customer_ids(night: Night, pair: tuple[str, str]) -> None:
    previous = PreviousRun.following(night.one, night.ids.rename(columns={"customer_id": "cluster_id"}))
    later = resolve_incremental(night.records, previous, model_path=night.model, must_link=[pair])
    assert later.incremental
    ids, history = assign_customer_ids(later.clusters, night.ids)
    assert members(ids, pair[0], "customer_id") == set(PLANTED)
    (kept,) = night.customer([pair[0]]) & set(ids["customer_id"])  # one of the two IDs lives on ...
    (gone,) = (night.customer(PLANTED_A) | night.customer(PLANTED_B)) - {kept}
    # ... and the other is merged into it, with no split written for anyone.
    assert history[["old_customer_id", "new_customer_id", "change"]].values.tolist() == [[gone, kept, "merge"]]


def test_different_between_the_two_customers_leaves_each_whole(night: Night) -> None:
    out = resolve(night.records, model_path=night.model, cannot_link=[(PLANTED_A[1], PLANTED_B[0])])
    assert members(out, PLANTED_A[0]) == set(PLANTED_A)
    assert members(out, PLANTED_B[0]) == set(PLANTED_B)


def test_different_after_same_takes_the_merged_customer_apart_into_the_two(night: Night) -> None:
    # Night two the analyst says `same`; night three she corrects it to `different` (a later decision on a pair
    # replaces the earlier one, so only the cannot-link reaches night three).
    pair = (PLANTED_A[0], PLANTED_B[0])
    first = PreviousRun.following(night.one, night.ids.rename(columns={"customer_id": "cluster_id"}))
    two = resolve_incremental(night.records, first, model_path=night.model, must_link=[pair])
    three = resolve_incremental(
        night.records, PreviousRun.following(two, must_link=[pair]), model_path=night.model, cannot_link=[pair]
    )
    assert members(three.clusters, PLANTED_A[0]) == set(PLANTED_A)
    assert members(three.clusters, PLANTED_B[0]) == set(PLANTED_B)


def test_different_inside_a_chain_parts_only_what_the_chain_forces(night: Night) -> None:
    # The first customer's ends are linked only through its middle record: told they differ, the middle record
    # can stay with one end only, and nothing else moves.
    out = resolve(night.records, model_path=night.model, cannot_link=[(PLANTED_A[0], PLANTED_A[2])])
    ends = members(out, PLANTED_A[0]), members(out, PLANTED_A[2])
    assert PLANTED_A[2] not in ends[0]
    assert ends[0] | ends[1] == set(PLANTED_A)
    assert members(out, PLANTED_B[0]) == set(PLANTED_B)


def test_a_customer_an_analyst_joined_grows_through_scored_pairs_no_larger_than_the_cap(night: Night) -> None:
    # The two halves hold five records; with a cap of three, scored pairs may add only one record to the two the
    # analyst joined.
    out = resolve(night.records, model_path=night.model, must_link=[(PLANTED_A[0], PLANTED_B[0])], max_cluster_size=3)
    assert len(members(out, PLANTED_A[0])) <= 3
