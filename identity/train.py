"""Unsupervised training of the Splink model, and reuse of a saved model while the data has not drifted.

No labels: the prior comes from near-certain deterministic rules, u from random pairs, m from EM over
several blocking rules so each comparison is estimated on pairs it did not select.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from identity import frequencies
from identity.compatibility import given_names_compatible

log = logging.getLogger(__name__)

PROFILE_KEY = "identity_profile"
GUARDS_KEY = "identity_guards"
# 3: term frequencies kept with the model, guards learnt from the data, prior no longer rescaled; older models
# retrain.
MODEL_VERSION = 3
# Share of non-null values may move this much before a saved model is considered stale.
DRIFT_TOLERANCE = 0.25
# The records may grow or shrink by this factor before the saved prior and frequencies are considered stale.
GROWTH_TOLERANCE = 1.5


@dataclass
class Model:
    """A trained model: Splink's settings, the clustering guards learnt from the data, and the data profile.

    The term-frequency counts it was trained with live in the DuckDB connection (``frequencies``) and are
    saved beside it. A model scores a pair the same way whatever other records come later: prior, m, u and
    frequencies are fixed until it is retrained.
    """

    settings: dict[str, Any]
    guards: dict[str, Any]
    profile: dict[str, Any]

    @property
    def identity(self) -> str:
        """A digest of the whole model: scores made with another model are not this one's."""
        text = json.dumps([self.settings, self.guards, self.profile], sort_keys=True, default=str)
        return hashlib.md5(text.encode()).hexdigest()


def data_profile(con: duckdb.DuckDBPyConnection, present: set[str], table: str = "features") -> dict[str, Any]:
    """What the model depends on: which columns exist and how often they are filled."""
    cols = sorted(present)
    row = con.execute(
        f"select count(*), {', '.join(f'avg(({c} is not null)::int)' for c in cols)} from {table}"
    ).fetchall()[0]
    fill = {c: round(v, 4) for c, v in zip(cols, row[1:], strict=True)}
    return {"version": MODEL_VERSION, "columns": cols, "fill": fill, "records": int(row[0])}


def drifted(saved: dict[str, Any] | None, current: dict[str, Any]) -> str | None:
    """Reason the saved model does not fit the data, or None."""
    if not saved:
        return "no profile in saved model"
    if saved.get("version") != current["version"]:
        return "model version changed"
    if saved.get("columns") != current["columns"]:
        return f"columns changed: {saved.get('columns')} -> {current['columns']}"
    for c, v in current["fill"].items():
        if abs(saved["fill"].get(c, 0) - v) > DRIFT_TOLERANCE:
            return f"fill rate of {c} moved from {saved['fill'].get(c)} to {v}"
    before, now = saved.get("records") or 0, current["records"]
    if not before or not 1 / GROWTH_TOLERANCE <= now / before <= GROWTH_TOLERANCE:
        return f"records went from {before:,} to {now:,}"
    return None


def load_model(
    con: duckdb.DuckDBPyConnection, model_path: str | os.PathLike[str] | None, profile: dict[str, Any]
) -> Model | None:
    """The saved model if ``model_path`` exists and still fits the data; its frequencies go into ``con``."""
    if not model_path or not Path(model_path).exists():
        return None
    settings = json.loads(Path(model_path).read_text())
    saved = settings.pop(PROFILE_KEY, None)
    guards = settings.pop(GUARDS_KEY, None)
    reason = drifted(saved, profile)
    dialect = getattr(con, "dialect", "duckdb")
    if reason is None and settings.get("sql_dialect", "duckdb") != dialect:
        # Its comparisons are SQL of the other engine; the engines are not mixed in one model.
        reason = f"trained on {settings.get('sql_dialect')}, this run is on {dialect}"
    if reason is None and (guards is None or not frequencies.load(con, model_path)):
        reason = "no guards or term frequencies saved with it"
    if reason:
        log.info("identity: retraining, saved model does not fit the data (%s)", reason)
        return None
    return Model(settings, guards, saved)


def save_model(con: duckdb.DuckDBPyConnection, model: Model, model_path: str | os.PathLike[str]) -> None:
    """Write the Splink model JSON with the guards and data profile, and the frequencies beside it (atomically)."""
    path = Path(model_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frequencies.save(con, path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(
        json.dumps({**model.settings, PROFILE_KEY: model.profile, GUARDS_KEY: model.guards}, indent=2, default=str)
    )
    tmp.replace(path)


# Smallest share of true pairs allowed to disagree on a field. EM on clean-looking data can drive it to
# zero (weight -40 or worse), which vetoes any pair where someone moved house or changed phone.
M_ELSE_FLOOR = {"name": 0.01, "dob": 0.01, "email": 0.05, "phone": 0.05, "place": 0.05}
M_FLOOR = 1e-3


def regularise(model: dict[str, Any]) -> dict[str, Any]:
    """Fill untrained parameters and floor disagreement m values; returns a new settings dict."""
    model = json.loads(json.dumps(model))
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        known_u = [lv["u_probability"] for lv in levels[:-1] if lv.get("u_probability")]
        for lv in levels:
            if not lv.get("u_probability"):
                lv["u_probability"] = min(known_u) if known_u else 1e-4
            lv["m_probability"] = max(lv.get("m_probability") or 0.0, M_FLOOR)
        else_level = levels[-1]
        else_level["m_probability"] = max(
            else_level["m_probability"], M_ELSE_FLOOR.get(comp.get("output_column_name", ""), 0.02)
        )
        total = sum(lv["m_probability"] for lv in levels)
        for lv in levels:
            lv["m_probability"] /= total
    return model


def train(
    make_linker: Callable[[Any], Any],
    initial: Any,
    present: set[str],
    n_records: int,
    seed: int = 42,
    u_chunks: int = 10,
) -> dict[str, Any]:
    """Estimate prior, u and m; return the regularised Splink settings dict.

    ``make_linker(settings)`` builds a Linker on the data. An EM round that fails (no pairs, or a level
    whose m underflows) is retried once from regularised parameters, then skipped. ``u_chunks``: Splink's chunks of
    the random pairs for u, each a query, stopping once every level has 100 pairs (Splink's default of 10; Spark
    takes 1: a query costs it seconds whatever its size, and all the sampled pairs are counted).
    """
    from identity.settings import deterministic_rules, em_rules

    linker = make_linker(initial)
    rules = deterministic_rules(present)
    if rules:
        linker.training.estimate_probability_two_random_records_match(rules, recall=0.7)
    max_u_pairs = min(2e6, max(1e5, n_records * 20.0))
    linker.training.estimate_u_using_random_sampling(max_pairs=max_u_pairs, seed=seed, num_chunks=u_chunks)
    max_em_pairs = 1e6 if n_records > 100_000 else None
    for rule in em_rules(present):
        # A failed round leaves the linker without the comparison it was blocked on: restart from before it.
        before = linker.misc.save_model_to_json()
        for attempt in (1, 2):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=max_em_pairs
                )
                break
            except Exception as exc:  # a rule may find no pairs on tiny or odd data, or drive an m to zero
                linker = make_linker(regularise(before))
                if attempt == 2:
                    log.warning("identity: EM round skipped: %s", str(exc).splitlines()[0][:200])
    return regularise(linker.misc.save_model_to_json())


# The level of each comparison that its deterministic rule's equality lands in (both, for shared contacts).
_EXACT_LEVELS = {
    "name_key": ("name", ("same name tokens",)),
    "dob": ("dob", ("same birth date",)),
    "email": ("email", ("same email, one name", "same email, shared by several names")),
    "phone": ("phone", ("same phone, one name", "same phone, shared by several names")),
    "address": ("place", ("same street line",)),
}


def calibrate_prior(con: duckdb.DuckDBPyConnection, model: dict[str, Any], table: str = "features") -> dict[str, Any]:
    """Set the prior from the deterministic rules' pair counts and their recall as the trained model implies it.

    A rule "same name and same birth date" finds a true pair only when both records fill both fields and the
    pair agrees exactly on both: its recall is the product of fill rates squared and the exact-level m values,
    which EM has just estimated on this data. Splink's own estimate assumes one recall for every data set; on
    data with sparse columns that understates the prior many times over and with it every match probability.
    """
    levels = {
        c["output_column_name"]: {
            lv.get("label_for_charts"): lv.get("m_probability") or 0.0 for lv in c["comparison_levels"]
        }
        for c in model["comparisons"]
    }
    n = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    total_pairs = n * (n - 1) / 2
    estimates = []
    for other in ("dob", "email", "phone", "address"):
        cols = ("name_key", other)
        if not all(_EXACT_LEVELS[c][0] in levels for c in cols):
            continue
        recall = 1.0
        for c in cols:
            comparison, labels = _EXACT_LEVELS[c]
            fill = con.execute(f"select avg(({c} is not null)::int) from {table}").fetchall()[0][0] or 0.0
            recall *= fill**2 * sum(levels[comparison].get(lb, 0.0) for lb in labels)
        found = con.execute(
            f"select count(*) from {table} l join {table} r on l.name_key = r.name_key and l.{other} = r.{other} "
            "and l.record_id < r.record_id"
        ).fetchall()[0][0]
        if recall > 0 and found:
            estimates.append(found / (recall * total_pairs))
    if estimates:
        estimates.sort()
        model["probability_two_random_records_match"] = min(0.5, estimates[len(estimates) // 2])
    return model


# Records sharing a street line in groups up to this size are compared for the guards (larger groups are blocks
# of flats or placeholders), and at most this many pairs of them.
GUARD_GROUP_MAX = 12
GUARD_PAIRS_MAX = 20_000
# Twins are the only people of one household who share a birth date: a few in a hundred pairs of household members.
# Ten times that share is a population where a name conflict at one address is mostly one person's record.
ONE_PERSON_SHARE = 0.1
# Fewer name conflicts than this cannot tell.
MIN_CONFLICTS = 10


def learn_guards(con: duckdb.DuckDBPyConnection, present: set[str], table: str = "features") -> dict[str, Any]:
    """What this data says about refusing merges, as the clustering needs it.

    ``dob_outweighs_names``: may an exact shared birth date join records whose given names cannot be one
    person's? Among records at one street line whose names cannot be one person's, count how many share their
    birth date. In a population of households they are mostly different people (spouses, children) and only twins
    share a date: a shared date is no proof, the guard stays strict. Where most share it, the names are what is
    wrong (typed beyond a typo, or replaced) and a shared date outweighs them. Without street lines, strict.
    """
    guards: dict[str, Any] = {"dob_outweighs_names": False}
    if not {"address", "dob", "name_key"} <= present:
        return guards
    rows = con.execute(
        f"""
        with g as (
            select record_id, address, dob, first_toks, name_toks, count(*) over (partition by address) as _at
            from {table}
            where address is not null and dob is not null and name_key is not null
        ),
        f as (select * from g where _at <= {GUARD_GROUP_MAX})
        select l.first_toks, l.name_toks, r.first_toks, r.name_toks, l.dob = r.dob
        from f l join f r on l.address = r.address and l.record_id < r.record_id
        order by hash(l.record_id || r.record_id) limit {GUARD_PAIRS_MAX}
        """
    ).fetchall()
    conflicts = [same_dob for fa, na, fb, nb, same_dob in rows if not given_names_compatible(fa, na, fb, nb)]
    share = sum(conflicts) / len(conflicts) if conflicts else 0.0
    guards.update(
        name_conflicts_at_one_address=len(conflicts),
        share_sharing_birth_date=round(share, 4),
        dob_outweighs_names=len(conflicts) >= MIN_CONFLICTS and share >= ONE_PERSON_SHARE,
    )
    return guards
