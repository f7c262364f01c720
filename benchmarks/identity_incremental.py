"""The nightly identity step, incremental night against full: seconds, records resolved, agreement.

    .venv/bin/python -m benchmarks.identity_incremental                      # the simulator at 50,000 people
    .venv/bin/python -m benchmarks.identity_incremental --people 5000 --new 0.03 --edited 0.005

Takes the person records of a simulator run (made once under ``--sim-dir``, as ``identity_public`` does) into a
scratch warehouse and runs ``resolution.resolve_warehouse`` as the nightly job does: night one on all records but a
share held back (``--new``: the day's new records), trained and resolved in full; night two with them back and a
share of the others edited (``--edited``: a family name retyped), resolved incrementally. Night two is then
resolved again in full with the same model, and in full with the model retrained, each on a fresh copy of night
one's state. Prints each night's seconds, the records it resolved, and how far the incremental night's clusters
and customer IDs agree with the full run's (the ``make test`` check is tests/identity/test_identity_incremental.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.identity_public import simulator  # noqa: E402
from identity.frequencies import counts_path  # noqa: E402


def _night(db: Path, records: pd.DataFrame, model: Path, overrides: Path, run_id: str, **kw: bool) -> dict:
    from identity import pipeline
    from resolution import resolve_warehouse

    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists intermediate")
        con.register("records_in", records)
        con.execute("create or replace table intermediate.int_person_records as select * from records_in")
        con.unregister("records_in")
        started = time.perf_counter()
        outcome = resolve_warehouse(con, model, [overrides], run_id, **kw)
        seconds = time.perf_counter() - started
        assignment = con.sql("select record_id, customer_id from identity.customer_assignments").df()
    phases = dict(pipeline.last_timings.phases)
    return {"outcome": outcome, "seconds": seconds, "assignment": assignment, "phases": phases}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--new", type=float, default=0.03, help="share of records that arrive on night two")
    ap.add_argument("--edited", type=float, default=0.005, help="share of night one's records edited on night two")
    ap.add_argument("--sim-dir", type=Path, default=Path(tempfile.gettempdir()) / "cdp_identity_public")
    args = ap.parse_args(argv)

    home = args.sim_dir / f"people_{args.people}_seed_42"
    simulator(args.people, args.sim_dir)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        records = con.sql("select * from intermediate.int_person_records order by record_id").df()
    shuffled = records.sample(frac=1.0, random_state=1).reset_index(drop=True)
    held = int(len(shuffled) * args.new)
    night_one = shuffled.iloc[held:].reset_index(drop=True)
    night_two = shuffled.copy()
    edited = night_two.index[held : held + int(len(night_one) * args.edited)]
    night_two.loc[edited, "last_name"] = night_two.loc[edited, "last_name"].fillna("") + "e"

    work = Path(tempfile.mkdtemp(prefix="identity_incremental_"))
    try:
        overrides = work / "overrides.csv"
        overrides.write_text("record_id_l,record_id_r,decision,reason,author\n")
        db, model = work / "warehouse.duckdb", work / "identity" / "model.json"
        one = _night(db, night_one, model, overrides, "night-1")
        state = work / "after-night-one"
        state.mkdir()
        for f in (db, model, counts_path(model)):
            shutil.copy(f, state / f.name)

        def from_night_one(run_id: str, **kw: bool) -> dict:
            for f in (db, model, counts_path(model)):
                shutil.copy(state / f.name, f)
            if kw.pop("forget_state", False):
                with duckdb.connect(str(db)) as con:
                    con.execute("delete from identity.record_fingerprints")
            return _night(db, night_two, model, overrides, run_id, **kw)

        incremental = from_night_one("night-2-incremental")
        full = from_night_one("night-2-full", forget_state=True)
        retrained = from_night_one("night-2-retrained", retrain=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{len(night_two):,} person records ({args.people:,} simulated people); night two brings {held:,} new and "
          f"{len(edited):,} edited records")  # fmt: skip
    print(f"{'night':<34}{'seconds':>9}{'resolved':>10}{'incremental':>13}{'trained':>9}")
    for name, night in (
        ("one (first run)", one),
        ("two, incremental", incremental),
        ("two, full with the same model", full),
        ("two, full with the model retrained", retrained),
    ):
        o = night["outcome"]
        print(f"{name:<34}{night['seconds']:>9.1f}{o.changed_records:>10,}{o.incremental!s:>13}{o.model_trained!s:>9}")
    a = incremental["assignment"].merge(full["assignment"], on="record_id", suffixes=("_incremental", "_full"))
    same = (a["customer_id_incremental"] == a["customer_id_full"]).mean()
    # Where a night's time goes: resolve's phases, and the step's own work around it (reading the records,
    # carrying customer IDs over, saving, the report).
    names = list(dict.fromkeys(p for night in (incremental, full) for p in night["phases"] if p != "total"))
    print(f"{'seconds by phase':<34}" + "".join(f"{p:>11}" for p in (*names, "step")))
    for name, night in (("two, incremental", incremental), ("two, full with the same model", full)):
        phases = night["phases"]
        step = night["seconds"] - phases.get("total", 0.0)
        print(f"{name:<34}" + "".join(f"{phases.get(p, 0.0):>11.1f}" for p in names) + f"{step:>11.1f}")
    print(f"incremental night / full night (same model): {incremental['seconds'] / full['seconds']:.0%}; "
          f"customer IDs equal to the full run's: {same:.4%}")  # fmt: skip


if __name__ == "__main__":
    main()
