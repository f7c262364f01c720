"""A loopback HTTP receiver for Apprise's `json://` target: what the alerts delivered, per path."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.received: dict[str, list[dict]] = defaultdict(list)

    def url(self, path: str) -> str:
        """The Apprise URL that delivers to `path` of this receiver."""
        return f"json://127.0.0.1:{self.port}/{path}"

    def take(self, path: str) -> list[dict]:
        """The alerts delivered to `path` since the last take."""
        taken, self.received[path] = self.received[path], []
        return taken


@contextmanager
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            holder[0].received[self.path.strip("/")].append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
