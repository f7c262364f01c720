"""Wall time of the nightly job: a first (full) night and an incremental night after one simulated day.

    .venv/bin/python -m benchmarks.nightly [PEOPLE ...]      (default: 5000 and CDP_BENCH_PEOPLE or 100000)

Each size runs `cdp run` twice on a fresh state folder, with `cdp advance-day` between, and prints the wall time
per stage (from the run summary), the time outside the stages, and the incremental night as a share of the full one.

It does so in two modes (CDP_BENCH_MODES, default `bundled,served`), on two state folders, one after the other:
- `bundled`: as a new user runs it, the night starts the bundled simulator itself, which builds its simulated world
  (every customer's history from day 0) before the first load;
- `served`: as against real services, the simulator already serves the sources (configured by their base URLs, the
  way a real shop is) and has its day ready before the night starts. The night's time is then the CDP's own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import requests

from cdp_orchestration.resources import DESTINATIONS, SIMULATOR_TOKEN
from dlt_sources.connections import FILE_SOURCES
from dlt_sources.pipelines import SOURCES
from simulator import running_simulator, web_landing_dir

STAGE_LINE = re.compile(r"^\s{2}(\S+)\s+([\d.]+) s$")
MODES = ("bundled", "served")


def cdp(home: str, people: int, *args: str, settings: dict[str, str] | None = None) -> tuple[float, dict[str, float]]:
    env = {**os.environ, "CDP_HOME": home, "CDP_PEOPLE": str(people), **(settings or {})}
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


@contextmanager
def served_sources(home: str, people: int) -> Iterator[tuple[str, dict[str, str]]]:
    """The simulator serving `home` in a process of its own: its base URL, and the settings that point every source
    and the email tool at it as at real services (README, "Connecting real sources")."""
    with running_simulator(home=home, people=people) as base_url:
        settings = {}
        for source in SOURCES:
            if source in FILE_SOURCES:
                settings[f"SOURCES__{source.upper()}__BUCKET_URL"] = str(web_landing_dir(home))
            else:
                settings[f"SOURCES__{source.upper()}__BASE_URL"] = base_url
                settings[f"SOURCES__{source.upper()}__ACCESS_TOKEN"] = SIMULATOR_TOKEN
        for name, prefix in DESTINATIONS.items():
            settings[f"DESTINATIONS__{name.upper()}__BASE_URL"] = base_url + prefix
            settings[f"DESTINATIONS__{name.upper()}__API_KEY"] = SIMULATOR_TOKEN
        yield base_url, settings


def day_ready(base_url: str | None) -> None:
    """A served simulator builds the world of a new simulated day on the first request after `advance-day`: ask
    once before the night, as a real service has its day before the night starts (any path: it answers 404)."""
    if base_url:
        requests.get(base_url + "/", timeout=3600)


def nights(people: int, mode: str) -> tuple[float, dict[str, float], float, dict[str, float]]:
    """A full night, `advance-day 1`, an incremental night on a fresh state folder: each night's time and stages."""
    home = tempfile.mkdtemp(prefix=f"bench_nightly_{mode}_{people}_")
    sources = served_sources(home, people) if mode == "served" else nullcontext((None, {}))
    with sources as (base_url, settings):
        print(f"{people:,} people, {mode}, in {home}: full night…", flush=True)
        day_ready(base_url)
        full, full_stages = cdp(home, people, "run", settings=settings)
        cdp(home, people, "advance-day", "1")
        print(f"{people:,} people, {mode}: incremental night…", flush=True)
        day_ready(base_url)
        incremental, incremental_stages = cdp(home, people, "run", settings=settings)
    return full, full_stages, incremental, incremental_stages


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [5000, int(os.environ.get("CDP_BENCH_PEOPLE", "100000"))]
    rows = []
    for people in sizes:
        for mode in os.environ.get("CDP_BENCH_MODES", ",".join(MODES)).split(","):
            if mode not in MODES:
                raise SystemExit(f"CDP_BENCH_MODES: {mode!r} is not one of {', '.join(MODES)}")
            rows.append((people, mode, *nights(people, mode)))
    stages = sorted({s for row in rows for s in (*row[3], *row[5])})
    print("\nNightly job wall time (s)")
    print(
        f"{'people':>8} {'sources':<8} {'night':<12} {'total':>8} "
        + " ".join(f"{s:>10}" for s in stages)
        + f" {'other':>8} {'share':>6} {'of stages':>10}"
    )
    for people, mode, full, full_stages, incremental, incremental_stages in rows:
        for label, total, per_stage in (("full", full, full_stages), ("incremental", incremental, incremental_stages)):
            if label == "incremental":
                of_stages = sum(incremental_stages.values()) / sum(full_stages.values())
                share = f"{incremental / full:>6.2f} {of_stages:>10.2f}"
            else:
                share = f"{'':>6} {'':>10}"
            print(
                f"{people:>8,} {mode:<8} {label:<12} {total:>8.1f} "
                + " ".join(f"{per_stage.get(s, 0):>10.1f}" for s in stages)
                + f" {total - sum(per_stage.values()):>8.1f} {share}"
            )
    print(
        "bundled: the night starts the simulator, which builds its world before the first load (in 'other'); served: "
        "the simulator serves the sources before the night, as real services do. other: the run's time outside its "
        "stages. share: incremental over full by total; of stages: by the sum of the stages."
    )


if __name__ == "__main__":
    main()
