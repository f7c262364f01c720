"""The installation's hash key: created once, whole, however many processes ask for it first at the same time."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from warehouse import keys

PROCESSES = 6
ROUNDS = 20


def _read_key(path: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:
    start.wait()
    out.put(keys._key_at(Path(path)).decode())


def test_processes_racing_on_first_creation_all_get_the_same_whole_key(tmp_path: Path):
    context = multiprocessing.get_context("fork")
    for attempt in range(ROUNDS):
        path = tmp_path / f"home{attempt}" / "secrets" / "hash_key"
        path.parent.parent.mkdir()
        start, out = context.Barrier(PROCESSES), context.Queue()
        racers = [context.Process(target=_read_key, args=(str(path), start, out)) for _ in range(PROCESSES)]
        for racer in racers:
            racer.start()
        got = [out.get(timeout=30) for _ in racers]
        for racer in racers:
            racer.join()
        assert all(len(key) == 2 * keys.KEY_BYTES for key in got), f"round {attempt}: a key read half-written: {got}"
        assert set(got) == {path.read_text().strip()}, f"round {attempt}: processes got different keys"
