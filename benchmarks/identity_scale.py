"""Scale benchmark of ``identity.resolve``: wall time and peak memory per phase.

    .venv/bin/python benchmarks/identity_scale.py --records 1000000
    .venv/bin/python benchmarks/identity_scale.py --parquet records.parquet

Synthesises realistic multi-locale records (tests/identity/identity_datagen.py) unless a parquet file is given.
Target (CONTRACT §5): 1,000,000 records on 2 cores within 2 minutes and 6 GB peak memory, train included,
at the accuracy it has at 50,000 people (`--accuracy` prints it; run both sizes).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "identity"))

RECORDS_PER_PERSON = 2.15  # what datagen produces on average


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """Samples resident memory every 50 ms so peaks can be attributed to phases."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.perf_counter(), _rss_mb()))
            time.sleep(0.05)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def peak(self, start: float, end: float) -> float:
        vals = [m for t, m in self.samples if start <= t <= end]
        return max(vals) if vals else float("nan")


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--records",
        type=int,
        default=None,
        help="records to synthesise (default: CDP_BENCH_PEOPLE people if set, else 200000 records)",
    )
    ap.add_argument("--parquet", help="read records from this parquet file instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", help="write the synthesised records to this parquet file")
    ap.add_argument("--model-path", help="reuse/save the trained model here (second run skips training)")
    ap.add_argument("--accuracy", action="store_true", help="also print pairwise accuracy (needs person_id)")
    args = ap.parse_args(argv)

    from identity import pipeline, resolve

    t = time.perf_counter()
    if args.parquet:
        records = pd.read_parquet(args.parquet)
        print(f"read {len(records):,} records from {args.parquet} in {time.perf_counter() - t:.1f}s")
    else:
        from identity_datagen import generate

        people = (
            int(args.records / RECORDS_PER_PERSON)
            if args.records
            else int(os.environ.get("CDP_BENCH_PEOPLE") or 200_000 / RECORDS_PER_PERSON)
        )
        records = generate(people, seed=args.seed)
        print(f"synthesised {len(records):,} records in {time.perf_counter() - t:.1f}s")
        if args.save:
            records.to_parquet(args.save)

    sampler = RssSampler()
    sampler.start()
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    out = resolve(records, model_path=args.model_path)
    wall = time.perf_counter() - t0
    sampler.stop()
    timings = pipeline.last_timings

    print(
        f"\nresolve() on {len(records):,} records: {wall:.1f}s wall, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB "
        f"(process incl. input data; {rss_before:,.0f} MB before the call)"
    )
    print(f"{'phase':<12}{'seconds':>10}{'peak RSS MB':>14}")
    start = t0
    for phase, secs in timings.phases.items():
        if phase == "total":
            continue
        print(f"{phase:<12}{secs:>10.1f}{sampler.peak(start, start + secs):>14,.0f}")
        start += secs
    print(
        f"pairs kept (p>=0.5): {timings.pairs_kept:,}; merge edges: {timings.edges:,}; "
        f"trained: {timings.trained}; clusters: {out['cluster_id'].nunique():,}"
    )
    result: dict[str, object] = {"records": len(records), "wall_s": wall, "phases": dict(timings.phases)}
    if args.accuracy and "person_id" in records.columns:
        from identity.evaluate import pairwise_metrics

        m = pairwise_metrics(out, records)
        print("accuracy: " + ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items()))
        result["accuracy"] = m
        # Where precision is lost: mixed clusters by size (chaining shows as mixing that grows with size).
        joined = out.merge(records[["record_id", "person_id"]].astype({"record_id": str}), on="record_id")
        per = joined.groupby("cluster_id").agg(size=("record_id", "size"), people=("person_id", "nunique"))
        by_size = per.assign(mixed=per["people"] > 1).groupby("size")["mixed"].agg(["count", "sum"])
        print(f"{'cluster size':>12}{'clusters':>10}{'mixed':>8}{'share':>8}")
        for size, row in by_size.iterrows():
            print(f"{size:>12}{row['count']:>10,}{row['sum']:>8,}{row['sum'] / row['count']:>8.2%}")
    return result


if __name__ == "__main__":
    main()
