"""The simulator's web server: every API on one loopback port, under the real services' prefixes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import hubspot, mailchimp, shopify, square, square_loyalty
from .config import Tuning, http_date
from .faults import FaultInjector
from .simulation import Simulation

STARTUP_TIMEOUT_SECONDS = 600.0
_ERRORS_BY_PREFIX: tuple[tuple[str, Callable[[int], Response]], ...] = (
    ("/admin/", shopify.fault_response),
    ("/v2/", square.fault_response),
    ("/crm/", hubspot.fault_response),
    ("/email/", hubspot.fault_response),
    ("/3.0/", mailchimp.fault_response),
)


def _fault_response(path: str, status: int) -> Response:
    for prefix, answer in _ERRORS_BY_PREFIX:
        if path.startswith(prefix):
            return answer(status)
    return Response(status_code=status)


class _ClockAndFaults:
    """ASGI middleware: notices day changes, sends the simulated clock as ``Date``, waits the wire's latency, injects
    faults."""

    def __init__(self, app: ASGIApp, sim: Simulation, faults: FaultInjector, latency_seconds: float = 0.0) -> None:
        self.app, self.sim, self.faults, self.latency_seconds = app, sim, faults, latency_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.sim.refresh()
        date = http_date(self.sim.world.now).encode()

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", date)]}
            await send(message)

        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        await self.faults.handle(self.app, scope, receive, send_dated)


def create_app(
    home: str | os.PathLike[str] | None = None,
    people: int | None = None,
    seed: int | None = None,
    tuning: Tuning | None = None,
) -> Starlette:
    """The ASGI app: generates (or regenerates) the world and writes truth.csv before returning."""
    tuning = tuning or Tuning.from_env()
    sim = Simulation(home, tuning, people=people, seed=seed)
    faults = FaultInjector(tuning.faults, tuning.fault_timeout_seconds, sim.world.state.seed, _fault_response)
    routes = [
        *shopify.ShopifyApi(sim).routes(),
        *square.SquareApi(sim).routes(),
        *square_loyalty.SquareLoyaltyApi(sim).routes(),
        *hubspot.HubSpotApi(sim).routes(),
        *mailchimp.MailchimpApi(sim).routes(),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_ClockAndFaults, sim=sim, faults=faults, latency_seconds=tuning.latency_seconds)
    return app


def _bind(host: str, port: int | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port or 0))
    sock.listen(2048)
    return sock


def _server(app: Starlette) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        date_header=False,
        server_header=False,
        lifespan="off",
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


def serve(
    port: int | None = None,
    host: str = "127.0.0.1",
    home: str | os.PathLike[str] | None = None,
    people: int | None = None,
    seed: int | None = None,
) -> None:
    """Serve every simulated API until stopped (Ctrl-C); a free port when ``port`` is None."""
    app = create_app(home, people=people, seed=seed)
    sock = _bind(host, port)
    print(f"Simulator serving on http://{host}:{sock.getsockname()[1]}", flush=True)
    _server(app).run(sockets=[sock])


@contextlib.contextmanager
def running_simulator(
    home: str | os.PathLike[str] | None = None,
    people: int | None = None,
    seed: int | None = None,
    faults: float | None = None,
    in_thread: bool = False,
) -> Iterator[str]:
    """Run the simulator on a free loopback port and yield its base URL; stop it on exit.

    By default it runs in a subprocess (its own core, its own GIL); ``in_thread=True`` runs it in
    a background thread of this process instead (quicker to start, handy in tests).
    """
    if in_thread:
        tuning = Tuning.from_env()
        if faults is not None:
            tuning = dataclasses.replace(tuning, faults=faults)
        server = _server(create_app(home, people=people, seed=seed, tuning=tuning))
        sock = _bind("127.0.0.1", None)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            while not server.started and thread.is_alive():
                threading.Event().wait(0.01)
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
        return
    yield from _subprocess_simulator(home, people, seed, faults)


def _subprocess_simulator(
    home: str | os.PathLike[str] | None, people: int | None, seed: int | None, faults: float | None
) -> Iterator[str]:
    env = dict(os.environ)
    overrides = {
        "CDP_HOME": str(Path(home).resolve()) if home else None,
        "CDP_PEOPLE": people,
        "CDP_SEED": seed,
        "CDP_FAULTS": faults,
    }
    env.update({k: str(v) for k, v in overrides.items() if v is not None})
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for text in stream:
            lines.put(text)
        lines.put(None)

    threading.Thread(target=pump, args=(process.stdout,), daemon=True).start()
    try:
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT_SECONDS)
            except queue.Empty:
                raise RuntimeError("the simulator did not start in time") from None
            if line is None:
                raise RuntimeError(f"the simulator exited with status {process.wait()} before serving")
            if line.startswith("Simulator serving on "):
                yield line.removeprefix("Simulator serving on ").strip()
                return
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
