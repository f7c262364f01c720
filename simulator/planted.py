"""Changes a test plants in the simulated world: ``$CDP_HOME/simulator/planted.json``.

A scenario test needs an exact sequence of events on known records (an unsubscribe in one system, then a profile edit
in another); the seeded days rarely produce it. A planted change happens on its simulated day at its own time,
after that day's seeded changes, and draws nothing from the random streams, so the rest of the world is as it was.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

PLANTED_FILE = "planted.json"
CHANGES = ("subscribe", "unsubscribe", "edit_address")


@dataclass(frozen=True, slots=True)
class PlantedChange:
    day: int  # the simulated day whose window holds ``at``
    system: str
    record_id: str  # the ID the API returns (as in truth.csv)
    change: str  # one of CHANGES: email consent given or withdrawn, or a new second address line (consent untouched)
    at: int  # epoch seconds

    def __post_init__(self) -> None:
        if self.change not in CHANGES:
            raise ValueError(f"planted change {self.change!r} is not one of {', '.join(CHANGES)}")


def read_planted(folder: Path) -> tuple[PlantedChange, ...]:
    """The changes planted in ``folder`` (none when there is no file)."""
    try:
        raw = json.loads((folder / PLANTED_FILE).read_text())
    except FileNotFoundError:
        return ()
    return tuple(PlantedChange(**change) for change in raw)


def write_planted(folder: Path, changes: list[PlantedChange]) -> None:
    """Plant ``changes`` (replacing earlier ones), atomically so a running server never reads half a file."""
    tmp = folder / f"{PLANTED_FILE}.tmp"
    tmp.write_text(json.dumps([asdict(change) for change in changes]))
    os.replace(tmp, folder / PLANTED_FILE)
