"""Constrained clustering: strongest pairs first, refusing merges that would mix two people.

Connected components chain errors (one wrong pair joins two whole clusters). Here edges are taken in
order of weight and a merge is refused when the two clusters hold contradicting birth dates or given
names that cannot be one person's, when an analyst said the records differ, or when the result would be
larger than any one person's records plausibly are. An analyst's "same" joins the two records' whole
clusters. The edge list is bounded by blocking and the probability threshold; the loop is a union-find
whose checks run only on actual merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from identity.compatibility import dates_compatible, given_names_compatible

DEFAULT_MAX_CLUSTER_SIZE = 12


# A record's name as (given-name tokens, whole-name tokens).
Name = tuple[tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=1_000_000)
def _names_ok(a: Name, b: Name) -> bool:
    return given_names_compatible(a[0], a[1], b[0], b[1])


@lru_cache(maxsize=1_000_000)
def _dates_ok(a: str, b: str) -> bool:
    return dates_compatible(a, b)


def constrained_clusters(
    record_ids: Sequence[str],
    names: Sequence[Name | None],
    dobs: Sequence[str | None],
    edges: pd.DataFrame,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    max_cluster_size: int = DEFAULT_MAX_CLUSTER_SIZE,
    dob_outweighs_names: bool = False,
) -> np.ndarray:
    """Cluster label (index of a representative record) for each record.

    ``edges`` has integer columns ``l``, ``r`` (positions in ``record_ids``) and ``w`` (match weight).
    A ``must_link`` pair joins the two clusters its records end up in, whatever they hold; ``cannot_link`` pairs
    never end up together through scored edges. ``dob_outweighs_names``: an exact shared birth date lets given
    names that cannot be one person's merge (learnt from the data by ``train.learn_guards``).
    """
    n = len(record_ids)
    pos = {r: i for i, r in enumerate(record_ids)}
    # Two partitions. ``parent``: the groups scored pairs make, each held to the guards and the size cap, which is
    # what the data says. ``person``: those groups joined where analysts said so. A must-link names two records but
    # means their people: it joins the two whole groups. Holding one group to the guards against the records of
    # the other would tear the named record from its own companions (say, when the other group's birth date
    # contradicts theirs), a split nobody asked for. Cannot-links and the size cap hold between people: scored
    # pairs grow no customer beyond the cap, however many groups an analyst joined into it.
    parent = list(range(n))  # lists: numpy scalar indexing is slow in this loop
    person = list(range(n))
    group_size = [1] * n  # records per group root (union by size keeps the trees shallow)
    person_size = [1] * n  # records per person root: what the size cap counts
    name_sets: dict[int, set[Name]] = {}
    dob_sets: dict[int, set[str]] = {}
    banned: dict[int, set[int]] = {}  # by person root: records that person must not hold

    def find(tree: list[int], x: int) -> int:
        root = x
        while tree[root] != root:
            root = tree[root]
        while tree[x] != root:
            tree[x], x = root, tree[x]
        return root

    def names_of(root: int) -> set[Name]:
        if root in name_sets:
            return name_sets[root]
        nm = names[root]
        return {nm} if nm else set()

    def dobs_of(root: int) -> set[str]:
        if root in dob_sets:
            return dob_sets[root]
        d = dobs[root]
        return {d} if d else set()

    def union(a: int, b: int) -> None:
        if group_size[a] < group_size[b]:
            a, b = b, a
        parent[b] = a
        group_size[a] += group_size[b]
        name_sets[a] = names_of(a) | names_of(b)
        name_sets.pop(b, None)
        dob_sets[a] = dobs_of(a) | dobs_of(b)
        dob_sets.pop(b, None)

    def join_people(a: int, b: int) -> None:
        if person_size[a] < person_size[b]:
            a, b = b, a
        person[b] = a
        person_size[a] += person_size[b]
        ban = banned.pop(b, set())
        if ban or a in banned:
            banned[a] = banned.get(a, set()) | ban

    def apart(a: int, b: int) -> bool:
        """Person roots ``a`` and ``b`` hold a pair an analyst said differs."""
        return any(find(person, x) == b for x in banned.get(a, ())) or any(
            find(person, x) == a for x in banned.get(b, ())
        )

    def can_merge(a: int, b: int) -> bool:
        da, db = dobs_of(a), dobs_of(b)
        if da and db and da != db:
            for x in da:
                for y in db:
                    if not _dates_ok(x, y):
                        return False
        na, nb = names_of(a), names_of(b)
        # Where the data says so (``dob_outweighs_names``), an exact shared birth date outweighs given names that
        # cannot be one person's: a name typed wrong beyond a typo, or replaced.
        if na and nb and not (dob_outweighs_names and da & db):
            for x in na:
                for y in nb:
                    if not _names_ok(x, y):
                        return False
        return True

    for a_id, b_id in cannot_link:
        if a_id in pos and b_id in pos:
            a, b = pos[a_id], pos[b_id]
            banned.setdefault(a, set()).add(b)
            banned.setdefault(b, set()).add(a)
    for a_id, b_id in must_link:
        if a_id in pos and b_id in pos:
            pa, pb = find(person, pos[a_id]), find(person, pos[b_id])
            if pa != pb:
                join_people(pa, pb)

    if len(edges):
        order = np.lexsort((edges["r"].to_numpy(), edges["l"].to_numpy(), -edges["w"].to_numpy()))
        ls = edges["l"].to_numpy()[order]
        rs = edges["r"].to_numpy()[order]
        for a, b in zip(ls.tolist(), rs.tolist(), strict=True):
            ra, rb = find(parent, a), find(parent, b)
            if ra == rb:
                continue
            pa, pb = find(person, a), find(person, b)
            if pa != pb and (person_size[pa] + person_size[pb] > max_cluster_size or apart(pa, pb)):
                continue
            if can_merge(ra, rb):
                union(ra, rb)
                if pa != pb:
                    join_people(pa, pb)

    return np.array([find(person, i) for i in range(n)])


def connected_to(n: int, edges: pd.DataFrame, must_link: Iterable[tuple[int, int]], seeds: Iterable[int]) -> list[int]:
    """Positions (of ``n``) connected to any of ``seeds`` through ``edges`` (``l``, ``r``) or ``must_link`` pairs:
    the part of the graph that clustering has to see again when those records changed."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = list(zip(edges["l"].tolist(), edges["r"].tolist(), strict=True)) if len(edges) else []
    for a, b in [*pairs, *must_link]:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = {find(s) for s in seeds}
    return [i for i in range(n) if find(i) in roots]
