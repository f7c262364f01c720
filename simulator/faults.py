"""Fault injection (``CDP_FAULTS``): a share of requests gets 429, 5xx, slow or cut-short answers.

Faults never change data: an error is answered before the handler runs, a slow answer or a
timeout only waits before running it, a truncated body is the right answer cut short. The dice
are seeded (``faults:{seed}``) and never touch the data generator's random streams.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULT_KINDS = ("429", "500", "503", "slow", "timeout", "truncate")
SLOW_SECONDS = 0.5


class FaultInjector:
    """Decides which requests fail, and how."""

    def __init__(
        self, rate: float, timeout_seconds: float, seed: int, error_for: Callable[[str, int], Response]
    ) -> None:
        self.rate = rate
        self.timeout_seconds = timeout_seconds
        self.error_for = error_for
        self._rng = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()

    def roll(self, share: float | None = None) -> bool:
        """True for about ``share`` (default: the configured rate) of calls."""
        with self._lock:
            return self._rng.random() < (self.rate if share is None else share)

    def _kind(self) -> str | None:
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(FAULT_KINDS)

    async def handle(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through ``app``, possibly with a fault."""
        kind = self._kind() if self.rate > 0 else None
        if kind in ("429", "500", "503"):
            await self.error_for(scope["path"], int(kind))(scope, receive, send)
            return
        if kind == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        elif kind == "timeout":
            await asyncio.sleep(self.timeout_seconds)
        elif kind == "truncate":
            await app(scope, receive, _truncating(send))
            return
        await app(scope, receive, send)


def _truncating(send: Send) -> Send:
    """A ``send`` that buffers the answer and sends only the first half of its body."""
    start: dict[str, Message] = {}
    chunks: list[bytes] = []

    async def truncated_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start["message"] = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        cut = body[: max(1, len(body) // 2)] if body else body
        head = start["message"]
        headers = [(k, v) for k, v in head.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**head, "headers": headers})
        await send({"type": "http.response.body", "body": cut})

    return truncated_send
