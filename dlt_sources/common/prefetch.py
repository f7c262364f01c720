"""Fetching the next pages while the current one is screened and written: the wire and the loader overlap."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `pages`, produced up to `depth` ahead in a thread of their own (an HTTP wait releases the GIL).

    An error of the producer is raised here, where its item would have come; leaving early stops the producer.
    """
    return prefetched_together([pages], depth)


def prefetched_together(listings: Sequence[Iterator[T]], depth: int = 2) -> Iterator[T]:
    """The items of every listing in `listings`, each produced in a thread of its own, in the order they come; up to
    `depth` wait in all. Several listings of one endpoint then have requests in flight at once, where one listing's
    pages must come one after another (each page names the next).

    The first error of a producer is raised here, and stops the others; so does leaving early.
    """
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[Any, BaseException | None]) -> bool:
        # Waits for room, unless the consumer has stopped: a producer never blocks for good on a queue nobody reads.
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(pages: Iterator[T]) -> None:
        try:
            for page in pages:
                if not put((page, None)):
                    return
            put((_DONE, None))
        except BaseException as error:  # handed to the consumer, which raises it
            put((_DONE, error))

    workers = [threading.Thread(target=produce, args=(pages,), name="prefetch", daemon=True) for pages in listings]
    for worker in workers:
        worker.start()
    running = len(workers)
    try:
        while running:
            page, error = ahead.get()
            if page is _DONE:
                if error is not None:
                    raise error
                running -= 1
                continue
            yield page
    finally:
        stop.set()
