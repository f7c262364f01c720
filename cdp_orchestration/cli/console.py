"""`cdp console`: serve the console, and add its users."""

from __future__ import annotations

import argparse
import getpass
import sys

from cdp_orchestration.console.access import ROLES
from cdp_orchestration.console.server import DEFAULT_HOST, DEFAULT_PORT, serve
from cdp_orchestration.console.store import ConsoleStore
from cdp_orchestration.console.users import add_user


def add_console_commands(commands) -> None:
    console = commands.add_parser("console", help="the CDP console: dashboards and the profile explorer, in a browser")
    console.add_argument("--port", type=int, default=DEFAULT_PORT)
    console.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to serve on (default loopback only); any other needs a TLS proxy in front",
    )
    actions = console.add_subparsers(dest="console_command")
    add = actions.add_parser("add-user", help="add a user of the console")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def console_command(args: argparse.Namespace) -> int:
    if args.console_command == "add-user":
        try:
            add_user(ConsoleStore(), args.name, args.role, _password(args.password_stdin))
        except ValueError as error:
            print(f"cdp console add-user: {error}", file=sys.stderr)
            return 2
        print(f"Added {args.role} {args.name}. Start the console with `.venv/bin/cdp console` (or `make console`).")
        return 0
    serve(args.host, args.port)
    return 0
