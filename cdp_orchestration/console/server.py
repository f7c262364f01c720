"""Serving the console: on loopback by default; another address only when asked for, behind TLS."""

from __future__ import annotations

import ipaddress

import uvicorn

from cdp_orchestration.console.store import ConsoleStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
TLS_ADVICE = """\
Serving on {host}, beyond this machine. The console speaks plain HTTP: put a TLS-terminating reverse proxy in
front of it and let people reach only the proxy, e.g. with Caddy on this machine:
    caddy reverse-proxy --from console.example.com --to 127.0.0.1:{port}
(and the console on 127.0.0.1), or nginx/Apache with a certificate. Session cookies are marked Secure now:
browsers send them over HTTPS only, so logging in over plain HTTP will not work."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    exposed = not is_loopback(host)
    if exposed:
        print(TLS_ADVICE.format(host=host, port=port), flush=True)
    from cdp_orchestration.console.app import create_app  # the web stack, loaded only to serve

    app = create_app(secure_cookies=exposed)
    if not ConsoleStore().has_users():
        print("No user yet: add the first with `.venv/bin/cdp console add-user NAME --role admin`.", flush=True)
    print(f"CDP console on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    # No access log: paths name customers, and the console keeps its own audit log of who looked at whom.
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, log_level="warning")
