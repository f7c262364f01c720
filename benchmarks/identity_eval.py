"""Accuracy of ``identity.resolve`` beside plain deterministic stitching (exact email or phone).

    .venv/bin/python benchmarks/identity_eval.py                       # the test generator, 5,000 people
    .venv/bin/python benchmarks/identity_eval.py --people 20000 --no-contact --no-till
    .venv/bin/python benchmarks/identity_eval.py records.parquet --truth person_id
    .venv/bin/python benchmarks/identity_eval.py --warehouse $CDP_HOME   # the simulator's records after a run

Prints pairwise precision, recall, F1, clusters mixing different people and the largest cluster.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "identity"))


def stitch_exact(records: pd.DataFrame, normalised: bool = False) -> pd.DataFrame:
    """Connected components over records sharing an exact email or phone (the naive baseline).

    ``normalised`` cleans values first (and drops placeholders) with the identity normalisers.
    """
    n = len(records)
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for col in ("email", "phone"):
        if col not in records.columns:
            continue
        vals = records[col]
        if normalised:
            from identity import normalize_email, phone_key

            vals = (
                vals.map(normalize_email)
                if col == "email"
                else pd.Series(
                    [phone_key(p, c) for p, c in zip(vals, records.get("country", pd.Series([None] * n)), strict=True)],
                    index=records.index,
                )
            )
        else:
            vals = vals.where(vals.notna() & (vals.astype(str).str.strip() != ""), None)
        first_pos: dict[object, int] = {}
        for i, v in enumerate(vals.tolist()):
            if v is None or v != v:
                continue
            j = first_pos.setdefault(v, i)
            if j != i:
                ra, rb = find(i), find(j)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    roots = [find(i) for i in range(n)]
    ids = records["record_id"].astype(str).to_numpy()
    return pd.DataFrame({"record_id": ids, "cluster_id": ids[roots]})


def _fmt(name: str, m: dict[str, float], secs: float) -> str:
    return (
        f"{name:<28}{m['precision']:>10.4f}{m['recall']:>9.4f}{m['f1']:>9.4f}"
        f"{m['mixed_clusters']:>9,}{m['largest_cluster']:>9,}{secs:>9.1f}"
    )


def simulator_records(home: Path) -> pd.DataFrame:
    """The pipeline's person records (the input `resolve` gets in the nightly run) with the simulator's truth."""
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.sql(f"""
            select r.*, t.person_id, t.household_id
            from intermediate.int_person_records r
            join read_csv('{home / "simulator" / "truth.csv"}', all_varchar = true) t
              on t.source_system = r.source_system and t.source_record_id = cast(r.source_record_id as varchar)
        """).df()


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", help="records parquet or CSV with a truth column")
    ap.add_argument("--truth", default="person_id", help="truth column (default person_id)")
    ap.add_argument("--people", type=int, default=5000, help="people to synthesise when no path is given")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--no-contact", action="store_true", help="drop email and phone columns entirely")
    ap.add_argument(
        "--no-till", action="store_true", help="drop the till's records (first name + phone), leaving web shop and CRM"
    )
    ap.add_argument("--warehouse", help="a CDP_HOME after `cdp run` on the simulator: its person records and truth")
    args = ap.parse_args(argv)

    from identity import resolve
    from identity.evaluate import pairwise_metrics

    if args.warehouse:
        records = simulator_records(Path(args.warehouse))
    elif args.path:
        records = pd.read_parquet(args.path) if args.path.endswith(".parquet") else pd.read_csv(args.path, dtype=str)
    else:
        from identity_datagen import generate

        records = generate(args.people, seed=args.seed)
    if args.no_till and "source_system" in records.columns:
        records = records[records["source_system"] != "square"].reset_index(drop=True)
    if args.no_contact:
        records = records.drop(columns=[c for c in ("email", "phone") if c in records.columns])
    records["record_id"] = records["record_id"].astype(str)
    truth = records[["record_id", args.truth]].rename(columns={args.truth: "person_id"})

    print(
        f"{len(records):,} records, {truth['person_id'].nunique():,} people; columns: "
        f"{', '.join(c for c in records.columns if c not in ('record_id', args.truth, 'household_id'))}"
    )
    print(f"{'method':<28}{'precision':>10}{'recall':>9}{'F1':>9}{'mixed':>9}{'largest':>9}{'secs':>9}")
    results = {}
    for name, fn in (
        ("stitch exact email/phone", lambda: stitch_exact(records)),
        ("stitch normalised", lambda: stitch_exact(records, normalised=True)),
        ("identity.resolve", lambda: resolve(records)),
    ):
        t = time.perf_counter()
        out = fn()
        secs = time.perf_counter() - t
        m = pairwise_metrics(out, truth)
        results[name] = m
        print(_fmt(name, m, secs))
    return results


if __name__ == "__main__":
    main()
