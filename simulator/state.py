"""The persisted simulator state: ``$CDP_HOME/simulator/state.json`` = ``{seed, people, day}``."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import DEFAULT_PEOPLE, DEFAULT_SEED, simulator_dir


@dataclass(frozen=True, slots=True)
class SimState:
    seed: int
    people: int
    day: int


def state_path(home: str | os.PathLike[str] | None = None) -> Path:
    return simulator_dir(home) / "state.json"


def read_state(path: Path) -> SimState | None:
    """The state in ``path``, or None when there is none yet."""
    try:
        raw = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return SimState(seed=int(raw["seed"]), people=int(raw["people"]), day=int(raw.get("day", 0)))


def write_state(path: Path, state: SimState) -> None:
    """Write atomically so a running server never reads half a file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state)))
    os.replace(tmp, path)


def _pick(argument: int | None, env_name: str, fallback: int) -> int:
    if argument is not None:
        return argument
    raw = os.environ.get(env_name, "").strip()
    return int(raw) if raw else fallback


def resolve_state(
    home: str | os.PathLike[str] | None = None, people: int | None = None, seed: int | None = None
) -> SimState:
    """Settle seed and population size and persist them.

    Precedence: argument > ``CDP_PEOPLE``/``CDP_SEED`` > existing state.json > defaults.
    The day is kept from state.json (0 for a fresh home).
    """
    path = state_path(home)
    current = read_state(path)
    resolved = SimState(
        seed=_pick(seed, "CDP_SEED", current.seed if current else DEFAULT_SEED),
        people=_pick(people, "CDP_PEOPLE", current.people if current else DEFAULT_PEOPLE),
        day=current.day if current else 0,
    )
    if resolved != current:
        write_state(path, resolved)
    return resolved


def advance_state(n: int = 1, home: str | os.PathLike[str] | None = None) -> SimState:
    """Move the simulated clock ``n`` days on; a running server regenerates on its next request."""
    if n < 0:
        raise ValueError("the simulated clock only moves forward (n >= 0)")
    path = state_path(home)
    current = read_state(path) or resolve_state(home)
    moved = SimState(seed=current.seed, people=current.people, day=current.day + n)
    write_state(path, moved)
    return moved
