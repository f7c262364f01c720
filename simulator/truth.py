"""Ground truth files for tests and benchmarks (pipeline code never reads them)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from .ids import customer_record_id
from .model import World


def _write_atomically(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, path)


def write_truth(world: World, folder: Path) -> None:
    """Write ``truth.csv`` (one row per customer/contact record) and ``malformed.csv``."""
    rows = [
        (system, customer_record_id(system, r.seq), f"P{r.person.pid:07d}", f"H{r.person.household:07d}")
        for system, records in world.customers.items()
        for r in records
    ]
    _write_atomically(folder / "truth.csv", ("source_system", "source_record_id", "person_id", "household_id"), rows)
    _write_atomically(
        folder / "malformed.csv", ("source_system", "entity", "source_record_id", "defect"), world.malformed
    )
