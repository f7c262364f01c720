"""The console's web application: `create_app()` builds it on the state of the current `CDP_HOME`."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cdp_orchestration.console.access import SessionBackend
from cdp_orchestration.console.analytics import AnalyticsCopy, NoAnalyticsCopy
from cdp_orchestration.console.charts import PLOTLY_JS
from cdp_orchestration.console.csrf import REFUSED
from cdp_orchestration.console.pages import admin, auth, customers, identity, overview, privacy, segments
from cdp_orchestration.console.pages.common import redirect, render, user
from cdp_orchestration.console.state import ConsoleState
from cdp_orchestration.console.store import ConsoleStore
from warehouse import analytics_path, cdp_home

STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "cdp_console"
# A working day; after it the signed cookie is refused and the user logs in again.
SESSION_SECONDS = 8 * 60 * 60
# Scripts only from the console itself; Plotly sets inline styles as it draws.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeaders:
    """Headers every answer carries; pages (personal data) are never cached, static files may be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"public, max-age=3600" if static else b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def home(request: Request) -> Response:
    return redirect("/overview" if user(request) else "/login")


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def plotly_js(request: Request) -> Response:
    return FileResponse(PLOTLY_JS, media_type="text/javascript")


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 403 and error.detail == REFUSED:
        return render(request, "error.html", status_code=403, reason="csrf")
    if error.status_code == 403 and user(request) is None:
        if request.method == "GET":
            return redirect("/login")
        return render(request, "error.html", status_code=403, reason="login")
    reason = {403: "forbidden", 404: "not_found"}.get(error.status_code, "error")
    return render(request, "error.html", status_code=error.status_code, reason=reason)


async def no_copy(request: Request, error: Exception) -> Response:
    return render(request, "error.html", status_code=503, reason="no_copy")


def create_app(secure_cookies: bool = False) -> Starlette:
    """The console on the current CDP_HOME; `secure_cookies` when it is reached through HTTPS (a TLS proxy)."""
    store = ConsoleStore()
    console = ConsoleState(home=cdp_home(), store=store, copy=AnalyticsCopy(analytics_path()))
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/static/plotly.min.js", plotly_js, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *auth.routes,
        *overview.routes,
        *customers.routes,
        *privacy.routes,
        *segments.routes,
        *identity.routes,
        *admin.routes,
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=store.session_key(),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_SECONDS,
            same_site="strict",
            https_only=secure_cookies,
        ),
        Middleware(AuthenticationMiddleware, backend=SessionBackend(store)),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, NoAnalyticsCopy: no_copy},
    )
    app.state.console = console
    return app
