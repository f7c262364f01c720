"""`make bench`: every benchmark in turn (sizes from CDP_BENCH_PEOPLE, default 100,000; forget_time 20,000)."""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = [
    "ingest_throughput",
    "nightly",
    "identity_public",
    "identity_incremental",
    "identity_scale",
    "export_throughput",
    "forget_time",
    "console",
    "predictive",
    "households",
    "campaigns",
    "engines",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        if not (Path(__file__).parent / f"{name}.py").exists():
            continue
        print(f"\n== {name} ==", flush=True)
        if subprocess.call([sys.executable, "-m", f"benchmarks.{name}"]) != 0:
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
