"""The nightly job on DuckDB and on local Spark, side by side: wall time per stage, peak memory, and how each grows.

    .venv/bin/python -m benchmarks.engines [PEOPLE ...]      (default: 20000 100000)
    .venv/bin/python -m benchmarks.engines --report RESULTS.json   (the tables again from a run's results)

For each size, one first night (`cdp run`) per engine into a fresh state folder of the same population and seed,
one after the other (never two at once: the machine is shared). Peak memory is the largest resident set of the
night's process tree but the simulator (it serves the sources, whichever engine runs), sampled every half second (on
Spark, the Python driver, its JVM and its Python workers together); disk is the home's warehouse file and Spark's
folder after the night. The results are written as JSON beside the homes (`--report` prints them again).

Then, per stage, the growth from one size to the next as an exponent (time ∝ people^b) and what that exponent says of
10 million customers on this machine, and where the two engines' fitted times would cross. An extrapolation of a
measurement, printed as one: Spark's `local[2]` uses the machine's two cores; a cluster divides the work it spreads
(the growing part) by its executors' cores, not the fixed cost per statement.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from benchmarks.nightly import STAGE_LINE
from warehouse.spark import ENGINES

TARGET = 10_000_000
# The stages whose work runs on the engine (dbt's two steps and identity resolution); the others are the same code on
# either (the sources' APIs, the predictions in pandas, exports and the analytics copy from the embedded store).
ON_THE_ENGINE = ("staging", "identity", "marts")
ENGINE_WORK = "engine work"


@dataclass
class Night:
    engine: str
    people: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    peak_mb: float = 0.0
    disk_mb: float = 0.0


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of `process` and its descendants, but the simulator's (its own process and its children)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            if any(member is m or member.pid == m.pid for m in simulator_processes(process)):
                continue
            total += member.memory_info().rss
        except psutil.Error:  # a worker that ended between listing and reading
            pass
    return total


def simulator_processes(process: psutil.Process) -> list[psutil.Process]:
    """The simulator among the descendants of `process` (`python -m simulator serve`), with its own children."""
    found = []
    for child in process.children(recursive=True):
        try:
            if "simulator" in child.cmdline():
                found += [child, *child.children(recursive=True)]
        except psutil.Error:
            pass
    return found


def disk_mb(home: Path) -> float:
    """The warehouse file and Spark's folder (its tables, landed loads, copies) after the night."""
    paths = [home / "warehouse.duckdb", *(home / "spark").rglob("*")]
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20


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
    result = Night(engine, people, seconds, stages, peak / 2**20, disk_mb(home))
    print(f"  {seconds:.0f} s, peak {result.peak_mb:,.0f} MB, {result.disk_mb:,.0f} MB on disk", flush=True)
    return result


def exponent(small: float, large: float, ratio: float) -> float | None:
    """b in time ∝ people^b from two sizes `ratio` apart; None when a time is too small to say."""
    if small < 1 or large < 1:
        return None
    return math.log(large / small) / math.log(ratio)


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        nights = [Night(**night) for night in json.loads(Path(sys.argv[2]).read_text())]
    else:
        sizes = sorted(int(a) for a in sys.argv[1:]) or [20_000, 100_000]
        nights = [night(engine, people) for people in sizes for engine in ENGINES]
        results = Path(tempfile.gettempdir()) / f"bench_engines_{int(time.time())}.json"
        results.write_text(json.dumps([asdict(n) for n in nights], indent=1))
        print(f"results in {results}", flush=True)
    report({(n.engine, n.people): n for n in nights})


def report(nights: dict[tuple[str, int], Night]) -> None:
    sizes = sorted({people for _, people in nights})
    stages = list(dict.fromkeys(s for n in nights.values() for s in n.stages))

    def at(engine: str, people: int, stage: str) -> float:
        n = nights[(engine, people)]
        if stage == "total":
            return n.seconds
        if stage == ENGINE_WORK:
            return sum(n.stages.get(s, 0.0) for s in ON_THE_ENGINE)
        return n.stages.get(stage, 0.0)

    rows = [*stages, ENGINE_WORK, "total"]
    columns = [(engine, people) for people in sizes for engine in ENGINES]
    print("\nFirst night, wall time per stage (s)")
    print(f"{'stage':<14}" + "".join(f"{f'{e} {p // 1000}k':>14}" for e, p in columns))
    for stage in rows:
        print(f"{stage:<14}" + "".join(f"{at(*c, stage):>14.1f}" for c in columns))
    print(f"{'peak MB':<14}" + "".join(f"{nights[c].peak_mb:>14,.0f}" for c in columns))
    print(f"{'disk MB':<14}" + "".join(f"{nights[c].disk_mb:>14,.0f}" for c in columns))
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    ratio = large / small
    print(f"\nGrowth from {small:,} to {large:,} people (time ∝ people^b), and {TARGET:,} customers on this machine")
    print(f"{'stage':<14}{'b duckdb':>10}{'b spark':>10}{'duckdb 10M':>14}{'spark 10M':>14}{'Spark faster':>16}")
    for stage in rows:
        b = {e: exponent(at(e, small, stage), at(e, large, stage), ratio) for e in ENGINES}
        projected = {e: at(e, large, stage) * (TARGET / large) ** b[e] if b[e] is not None else None for e in ENGINES}
        cross = crossing(at("duckdb", large, stage), b["duckdb"], at("spark", large, stage), b["spark"], large)
        print(
            f"{stage:<14}"
            + "".join(f"{b[e]:>10.2f}" if b[e] is not None else f"{'–':>10}" for e in ENGINES)
            + "".join(f"{hours(projected[e]):>14}" for e in ENGINES)
            + f"{cross:>16}"
        )
    for what in ("peak_mb", "disk_mb"):
        grown = {e: getattr(nights[(e, large)], what) / getattr(nights[(e, small)], what) for e in ENGINES}
        projected_gb = {
            e: getattr(nights[(e, large)], what) * (TARGET / large) ** (math.log(g) / math.log(ratio)) / 1024
            for e, g in grown.items()
        }
        print(
            f"{what.removesuffix('_mb')} grew "
            + ", ".join(f"{e} ×{g:.2f}" for e, g in grown.items())
            + f" for ×{ratio:.0f} people; at {TARGET:,}: "
            + ", ".join(f"{e} {gb:,.0f} GB" for e, gb in projected_gb.items())
        )


def crossing(duck: float, b_duck: float | None, spark: float, b_spark: float | None, at: int) -> str:
    """Beyond which size the fitted times say Spark (local[2]) is faster, from their values at `at`."""
    if b_duck is None or b_spark is None or duck < 1 or spark < 1:
        return "–"
    if spark <= duck:
        return f"≤ {at:,}"
    if b_duck <= b_spark:
        return "never"
    size = at * (spark / duck) ** (1 / (b_duck - b_spark))
    return f"{size:,.0f}" if size <= TARGET else f"> {TARGET // 1_000_000}M"


def hours(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


if __name__ == "__main__":
    main()
