"""The nightly job on DuckDB and on local Spark, side by side: wall time per stage, peak memory, and how each grows.

    .venv/bin/python -m benchmarks.engines [PEOPLE ...]      (default: 20000 100000)

For each size, one first night (`cdp run`) per engine into a fresh state folder of the same population and seed,
one after the other (never two at once: the machine is shared). Peak memory is the largest resident set of the
night's whole process tree, sampled every half second (on Spark, the Python driver and its JVM together).

Then, per stage, the growth from one size to the next as an exponent (time ∝ people^b) and what that exponent says of
10 million customers on this machine, and where the two engines' fitted times would cross. An extrapolation of a
measurement, printed as one: Spark's `local[2]` uses the machine's two cores; a cluster divides the work it spreads
(the growing part) by its executors' cores, not the fixed cost per statement.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.nightly import STAGE_LINE

ENGINES = ("duckdb", "spark")
TARGET = 10_000_000


@dataclass
class Night:
    engine: str
    people: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    peak_mb: float = 0.0


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # a worker that ended between listing and reading
            pass
    return total


def night(engine: str, people: int) -> Night:
    home = Path(tempfile.mkdtemp(prefix=f"bench_engines_{engine}_{people}_"))
    env = {**os.environ, "CDP_HOME": str(home), "CDP_PEOPLE": str(people), "CDP_ENGINE": engine}
    env.pop("DAGSTER_HOME", None)
    print(f"{people:,} people on {engine} in {home}…", flush=True)
    started = time.perf_counter()
    run = subprocess.Popen(
        [sys.executable, "-m", "cdp_orchestration.cli", "run"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(run.pid)
        while not done.wait(0.5):
            try:
                peak = max(peak, tree_rss(process))
            except psutil.Error:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = run.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{engine} night at {people:,} people failed:\n{out[-3000:]}\n{err[-3000:]}")
    stages = {m.group(1): float(m.group(2)) for m in map(STAGE_LINE.match, out.splitlines()) if m}
    result = Night(engine, people, seconds, stages, peak / 2**20)
    print(f"  {seconds:.0f} s, peak {result.peak_mb:,.0f} MB", flush=True)
    return result


def exponent(small: float, large: float, ratio: float) -> float | None:
    """b in time ∝ people^b from two sizes `ratio` apart; None when a time is too small to say."""
    if small < 1 or large < 1:
        return None
    return math.log(large / small) / math.log(ratio)


def main() -> None:
    sizes = sorted(int(a) for a in sys.argv[1:]) or [20_000, 100_000]
    nights = {(engine, people): night(engine, people) for people in sizes for engine in ENGINES}
    stages = list(dict.fromkeys(s for n in nights.values() for s in n.stages))
    columns = [(engine, people) for people in sizes for engine in ENGINES]
    print("\nFirst night, wall time per stage (s)")
    print(f"{'stage':<12}" + "".join(f"{f'{e} {p // 1000}k':>14}" for e, p in columns))
    for stage in [*stages, "total"]:
        cells = [nights[c].seconds if stage == "total" else nights[c].stages.get(stage, 0.0) for c in columns]
        print(f"{stage:<12}" + "".join(f"{v:>14.1f}" for v in cells))
    print(f"{'peak MB':<12}" + "".join(f"{nights[c].peak_mb:>14,.0f}" for c in columns))
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    ratio = large / small
    print(f"\nGrowth from {small:,} to {large:,} people (time ∝ people^b) and {TARGET:,} customers on this machine")
    print(f"{'stage':<12}{'b duckdb':>10}{'b spark':>10}{'duckdb 10M':>14}{'spark 10M':>14}{'cross at':>14}")
    for stage in [*stages, "total"]:

        def at(engine: str, people: int, stage: str = stage) -> float:
            n = nights[(engine, people)]
            return n.seconds if stage == "total" else n.stages.get(stage, 0.0)

        b = {e: exponent(at(e, small), at(e, large), ratio) for e in ENGINES}
        projected = {e: at(e, large) * (TARGET / large) ** b[e] if b[e] is not None else None for e in ENGINES}
        cross = crossing(at("duckdb", large), b["duckdb"], at("spark", large), b["spark"], large)
        print(
            f"{stage:<12}"
            + "".join(f"{b[e]:>10.2f}" if b[e] is not None else f"{'–':>10}" for e in ENGINES)
            + "".join(f"{hours(projected[e]):>14}" for e in ENGINES)
            + f"{cross:>14}"
        )
    growth = {e: nights[(e, large)].peak_mb / nights[(e, small)].peak_mb for e in ENGINES}
    print("\npeak memory grew " + ", ".join(f"{e} ×{g:.2f}" for e, g in growth.items()) + f" for ×{ratio:.0f} people")


def crossing(duck: float, b_duck: float | None, spark: float, b_spark: float | None, at: int) -> str:
    """The size at which the fitted times meet (Spark faster beyond it), from their values at `at`."""
    if b_duck is None or b_spark is None or duck < 1 or spark < 1:
        return "–"
    if spark <= duck:
        return f"≤ {at:,}"
    if b_duck <= b_spark:
        return "never"
    return f"{at * (spark / duck) ** (1 / (b_duck - b_spark)):,.0f}"


def hours(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


if __name__ == "__main__":
    main()
