"""Entry points the project's ``cdp`` command calls, and ``python -m simulator``."""

from __future__ import annotations

import argparse
import os

from .config import http_date, now_ts
from .server import serve
from .state import SimState, advance_state


def advance_day(n: int = 1, home: str | os.PathLike[str] | None = None) -> SimState:
    """Move the simulated clock ``n`` days on and say where it stands."""
    state = advance_state(n, home)
    print(
        f"Simulator clock moved {n} day{'s' if n != 1 else ''} on: simulated day {state.day}, "
        f"now {http_date(now_ts(state.day))}",
        flush=True,
    )
    return state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve every simulated API until stopped")
    serve_cmd.add_argument("--port", type=int, default=None)
    serve_cmd.add_argument("--host", default="127.0.0.1")
    advance_cmd = commands.add_parser("advance-day", help="move the simulated clock N days on")
    advance_cmd.add_argument("n", type=int, nargs="?", default=1)
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            serve(port=args.port, host=args.host)
        except KeyboardInterrupt:
            pass
    else:
        advance_day(args.n)
