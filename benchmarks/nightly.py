"""Wall time of the nightly job: a first (full) night and an incremental night after one simulated day.

    .venv/bin/python -m benchmarks.nightly [PEOPLE ...]      (default: 5000 and CDP_BENCH_PEOPLE or 100000)

Each size runs `cdp run` twice on a fresh state folder, with `cdp advance-day` between, and prints the wall time
per stage (from the run summary), the time outside the stages, and the incremental night as a share of the full one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE_LINE = re.compile(r"^\s{2}(\S+)\s+([\d.]+) s$")


def cdp(home: str, people: int, *args: str) -> tuple[float, dict[str, float]]:
    env = {**os.environ, "CDP_HOME": home, "CDP_PEOPLE": str(people)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "cdp_orchestration.cli", *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"cdp {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    stages = {m.group(1): float(m.group(2)) for m in map(STAGE_LINE.match, result.stdout.splitlines()) if m}
    return seconds, stages


def built_home(people: int, home: Path | None, prefix: str) -> Path:
    """`home` when it holds a warehouse already (reused); else a state folder built by the nightly job for `people`,
    in `home` or a new temporary folder named with `prefix`."""
    home = (home or Path(tempfile.mkdtemp(prefix=f"{prefix}_{people}_"))).resolve()
    if (home / "warehouse.duckdb").exists():
        print(f"Reusing the warehouse in {home}", flush=True)
    else:
        print(f"{people:,} people in {home}: building with the nightly job…", flush=True)
        build, _ = cdp(str(home), people, "run")
        print(f"built in {build:.0f} s", flush=True)
    return home


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [5000, int(os.environ.get("CDP_BENCH_PEOPLE", "100000"))]
    rows = []
    for people in sizes:
        home = tempfile.mkdtemp(prefix=f"bench_nightly_{people}_")
        print(f"{people:,} people in {home}: full night…", flush=True)
        full, full_stages = cdp(home, people, "run")
        cdp(home, people, "advance-day", "1")
        print(f"{people:,} people: incremental night…", flush=True)
        incremental, incremental_stages = cdp(home, people, "run")
        rows.append((people, full, full_stages, incremental, incremental_stages))
    stages = sorted({s for row in rows for s in (*row[2], *row[4])})
    print("\nNightly job wall time (s)")
    print(
        f"{'people':>8} {'night':<12} {'total':>8} "
        + " ".join(f"{s:>10}" for s in stages)
        + f" {'other':>8} {'share':>6} {'of stages':>10}"
    )
    for people, full, full_stages, incremental, incremental_stages in rows:
        for label, total, per_stage in (("full", full, full_stages), ("incremental", incremental, incremental_stages)):
            if label == "incremental":
                of_stages = sum(incremental_stages.values()) / sum(full_stages.values())
                share = f"{incremental / full:>6.2f} {of_stages:>10.2f}"
            else:
                share = f"{'':>6} {'':>10}"
            print(
                f"{people:>8,} {label:<12} {total:>8.1f} "
                + " ".join(f"{per_stage.get(s, 0):>10.1f}" for s in stages)
                + f" {total - sum(per_stage.values()):>8.1f} {share}"
            )
    print(
        "other: the run's time outside its stages: the process starting and, above all, the bundled simulator building "
        "its world before the first load (about a minute at 100,000 people), which a night against real sources does "
        "not spend. share: incremental over full by total; of stages: by the sum of the stages."
    )


if __name__ == "__main__":
    main()
