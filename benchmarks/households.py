"""Households against the simulator's truth: pairwise precision and recall of marts.households.

    .venv/bin/python -m benchmarks.households [PEOPLE ...] [--home DIR]   (default: 5000 and 20000 people)

A pair is two source person records of different people (truth.csv `person_id`); it is a true pair when truth puts
both people in one household (`household_id`), a predicted pair when customer_360 does. Pairs of one person's
records are left out: identity resolution, not household detection, puts those together.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.nightly import built_home


def household_metrics(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> dict[str, float]:
    """Pairwise precision and recall of the warehouse's households (on `con`) against `truth_csv`."""
    truth = pd.read_csv(truth_csv, dtype=str)
    predicted = con.sql("""
        select m.source_system, m.source_record_id, c.household_id
        from marts.customer_id_map as m
        inner join marts.customer_360 as c on c.customer_id = m.customer_id
    """).df()
    truth = truth.rename(columns={"household_id": "truth"})
    records = predicted.rename(columns={"household_id": "predicted"}).merge(
        truth, on=["source_system", "source_record_id"], how="inner"
    )
    return _pairwise(records)


def _pairwise(records: pd.DataFrame) -> dict[str, float]:
    # Pairs within a group are counted as n·(n−1)/2 per group, less those within one person.
    def pairs(*keys: str) -> int:
        sizes = records.groupby(list(keys)).size()
        return int((sizes * (sizes - 1) // 2).sum())

    true_pairs = pairs("truth") - pairs("truth", "person_id")
    predicted_pairs = pairs("predicted") - pairs("predicted", "person_id")
    both = pairs("predicted", "truth") - pairs("predicted", "truth", "person_id")
    return {
        "precision": both / predicted_pairs if predicted_pairs else 1.0,
        "recall": both / true_pairs if true_pairs else 1.0,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "households": int(records["predicted"].nunique()),
        "shared": int((records.groupby("predicted")["person_id"].nunique() > 1).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("people", nargs="*", type=int, default=[5000, 20000])
    parser.add_argument("--home", type=Path, help="a state folder to build into or reuse (one size only)")
    args = parser.parse_args()
    rows = []
    for people in args.people:
        home = built_home(people, args.home if len(args.people) == 1 else None, "bench_households")
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            rows.append((people, household_metrics(con, home / "simulator" / "truth.csv")))
    print("\nHouseholds against truth (pairs of records of different people)")
    print(f"{'people':>8} {'precision':>10} {'recall':>8} {'true pairs':>11} {'found pairs':>12} {'multi':>7}")
    for people, m in rows:
        print(
            f"{people:>8,} {m['precision']:>10.3f} {m['recall']:>8.3f} {m['true_pairs']:>11,} "
            f"{m['predicted_pairs']:>12,} {m['shared']:>7,}"
        )


if __name__ == "__main__":
    main()
