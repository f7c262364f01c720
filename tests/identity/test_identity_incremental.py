"""resolve_incremental(): a night's changes resolved against the previous run give what a full resolution with the
same model gives, doing only the changes' work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from identity import PreviousRun, Resolution, assign_customer_ids, pairwise_metrics, resolve_incremental


@dataclass
class Nights:
    model: Path
    night_one: pd.DataFrame
    one: Resolution
    assignment: pd.DataFrame  # night one's customer IDs
    night_two: pd.DataFrame

    def previous(self, result: Resolution | None = None, **overrides: list[tuple[str, str]]) -> PreviousRun:
        """Night one (or ``result``, numbered afresh) as the previous run."""
        result = result or self.one
        assignment = self.assignment if result is self.one else assign_customer_ids(result.clusters, None)[0]
        return PreviousRun.following(result, assignment.rename(columns={"customer_id": "cluster_id"}), **overrides)


@pytest.fixture(scope="module")
def nights(population: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Nights:
    """Night one: the population without a twentieth of its people. Night two: everyone, with a few records
    edited (a family name retyped, an email dropped) and a few deleted, as a forget or a source deletion does."""
    model = tmp_path_factory.mktemp("incremental") / "model.json"
    people = sorted(population["person_id"].unique())
    late = set(people[::20])
    night_one = population[~population["person_id"].isin(late)].reset_index(drop=True)
    night_two = population.copy()
    old = night_two.index[~night_two["person_id"].isin(late)]
    night_two.loc[old[::97], "last_name"] = night_two.loc[old[::97], "last_name"].fillna("") + "e"
    night_two.loc[old[5::131], "email"] = None
    deleted = set(night_two.loc[old[7::211], "record_id"])
    night_two = night_two[~night_two["record_id"].isin(deleted)].reset_index(drop=True)
    one = resolve_incremental(night_one, None, model_path=model)
    return Nights(model, night_one, one, assign_customer_ids(one.clusters, None)[0], night_two)


def as_dict(assignment: pd.DataFrame, column: str = "customer_id") -> dict[str, str]:
    return dict(zip(assignment["record_id"], assignment[column], strict=True))


def test_an_incremental_night_gives_the_full_resolution(nights: Nights) -> None:
    incremental = resolve_incremental(nights.night_two, nights.previous(), model_path=nights.model)
    full = resolve_incremental(nights.night_two, None, model_path=nights.model)
    assert incremental.incremental and not incremental.trained
    assert not full.incremental and not full.trained
    # Only the changes were scored: the new people's records, the edited ones, and those their change touched.
    assert 0 < incremental.changed_records < len(nights.night_two) / 5
    agreement = pairwise_metrics(incremental.clusters, full.clusters.rename(columns={"cluster_id": "person_id"}))
    assert agreement["precision"] >= 0.999 and agreement["recall"] >= 0.999, agreement
    # No customer ID changes that the full run would keep.
    before = as_dict(nights.assignment)
    by_full = as_dict(assign_customer_ids(full.clusters, nights.assignment)[0])
    by_incremental = as_dict(assign_customer_ids(incremental.clusters, nights.assignment)[0])
    kept_by_full = {r for r, c in by_full.items() if before.get(r) == c}
    assert {r for r in kept_by_full if by_incremental[r] != before[r]} == set()
    # The evidence a later night starts from is the full run's.
    key = ["record_id_l", "record_id_r"]
    assert incremental.evidence[key].equals(full.evidence[key])


def test_the_same_records_again_change_nothing(nights: Nights) -> None:
    same = resolve_incremental(nights.night_one, nights.previous(), model_path=nights.model)
    assert same.incremental and same.changed_records == 0 and same.reclustered_records == 0
    assert same.clusters.equals(nights.one.clusters)
    assert same.evidence.equals(nights.one.evidence)


def test_overrides_of_the_night_are_applied_and_lifted(nights: Nights) -> None:
    clusters = nights.one.clusters
    sizes = clusters["cluster_id"].value_counts()
    merged = clusters.loc[clusters["cluster_id"] == sizes.index[sizes >= 2][0], "record_id"].tolist()
    singles = clusters.loc[clusters["cluster_id"].isin(sizes.index[sizes == 1]), "record_id"].tolist()[:2]
    must, cannot = [(singles[0], singles[1])], [(merged[0], merged[1])]
    night = resolve_incremental(
        nights.night_one, nights.previous(), model_path=nights.model, must_link=must, cannot_link=cannot
    )
    cluster_of = as_dict(night.clusters, "cluster_id")
    assert cluster_of[merged[0]] != cluster_of[merged[1]]
    assert cluster_of[singles[0]] == cluster_of[singles[1]]
    # The next night the analyst has removed the must-link: though no record changed, the pair comes apart again.
    after = resolve_incremental(
        nights.night_one,
        nights.previous(night, must_link=must, cannot_link=cannot),
        model_path=nights.model,
        cannot_link=cannot,
    )
    assert after.changed_records == 0
    cluster_of = as_dict(after.clusters, "cluster_id")
    assert cluster_of[singles[0]] != cluster_of[singles[1]]
    assert cluster_of[merged[0]] != cluster_of[merged[1]]


def test_scores_of_another_model_are_not_reused(nights: Nights, tmp_path: Path) -> None:
    # The model saved now was trained on other records than the one that scored night one (a retrain since):
    # night one's scores are not this model's, so the night is resolved in full.
    other = tmp_path / "model.json"
    resolve_incremental(nights.night_two, None, model_path=other)
    night = resolve_incremental(nights.night_one, nights.previous(), model_path=other)
    assert not night.trained and not night.incremental
    assert night.model_id != nights.one.model_id
