"""The live simulation behind a server: the current world, regenerated when state.json changes."""

from __future__ import annotations

import atexit
import gc
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .browsing import Web
from .campaigns import campaign_effects, read_sends
from .config import Tuning, simulator_dir, web_defects_dir, web_landing_dir
from .generator import generate
from .model import World
from .pixels import write_landing
from .planted import read_planted
from .state import read_state, resolve_state, state_path
from .truth import write_truth

IndexT = TypeVar("IndexT")


def served_world(state: Any, tuning: Tuning, folder: Path) -> World:
    """The world the simulator serves for `state`: its tuning's defects and purchases, the records planted in
    `folder`, and the orders the campaigns its Mailchimp sent bring."""
    return generate(
        state,
        tuning.malformed,
        tuning.malformed_opt_in,
        read_planted(folder),
        tuning.random_purchases,
        read_sends(folder),
        campaign_effects(),
    )


def _settle() -> None:
    """Take the world just put in place out of the cyclic garbage collector's sight: its millions of long-lived
    records made each collection walk them all, a third of what serving a page cost at 10,000 people. What was frozen
    before (the world it replaced) is handed back first and collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


# Frozen objects are never collected at exit, and extension modules (duckdb's) report them as leaks: hand them back.
atexit.register(gc.unfreeze)


class Simulation:
    """Owns the current :class:`World` and the per-API indexes built from it."""

    def __init__(
        self, home: str | os.PathLike[str] | None, tuning: Tuning, people: int | None = None, seed: int | None = None
    ) -> None:
        self.home = home
        self.folder: Path = simulator_dir(home)
        self.tuning = tuning
        self._state_file = state_path(home)
        self._lock = threading.Lock()
        self._mtime = 0.0
        world = self._generate(resolve_state(home, people=people, seed=seed))
        self._current: tuple[World, dict[Callable[[World], Any], Any]] = (world, {})
        _settle()

    @property
    def world(self) -> World:
        return self._current[0]

    def _generate(self, state: Any) -> World:
        world = served_world(state, self.tuning, self.folder)
        web = Web(world, self.tuning.malformed)
        world.malformed += write_landing(web, web_landing_dir(self.home), web_defects_dir(self.home))
        write_truth(world, self.folder, web)
        self._mtime = self._state_file.stat().st_mtime
        return world

    def refresh(self) -> None:
        """Regenerate when state.json changed (one ``stat`` per request when it did not)."""
        try:
            mtime = self._state_file.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime == self._mtime:
            return
        with self._lock:
            state = read_state(self._state_file)
            if state is None or state == self.world.state:
                self._mtime = mtime
                return
            self._current = (self._generate(state), {})
            _settle()

    def index(self, build: Callable[[World], IndexT]) -> IndexT:
        """The index ``build(world)`` of the current world, built once per world."""
        world, indexes = self._current
        if build not in indexes:
            indexes[build] = build(world)
        return indexes[build]
