"""Logging in and out, and the reader's language."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console.access import end_session, start_session
from cdp_orchestration.console.csrf import checked_form
from cdp_orchestration.console.i18n import LOCALES
from cdp_orchestration.console.pages.common import redirect, render, state, user
from cdp_orchestration.console.passwords import verify_password

MAX_NAME = 64
MAX_PASSWORD = 1024


async def login_page(request: Request) -> Response:
    if user(request):
        return redirect("/overview")
    return render(request, "login.html", has_users=state(request).store.has_users())


async def login(request: Request) -> Response:
    form = await checked_form(request)
    name = str(form.get("name", ""))[:MAX_NAME].strip()
    password = str(form.get("password", ""))[:MAX_PASSWORD]
    console = state(request)
    address = request.client.host if request.client else "unknown"
    wait = console.throttle.retry_after(name, address)
    if wait:
        return render(request, "login.html", status_code=429, has_users=True, wait_minutes=-(-wait // 60), name=name)
    # scrypt takes a tenth of a second of CPU: off the event loop.
    if not await run_in_threadpool(verify_password, password, console.store.password_hash(name)):
        console.throttle.failed(name, address)
        return render(request, "login.html", status_code=401, has_users=True, failed=True, name=name)
    console.throttle.succeeded(name, address)
    found = console.store.user(name)
    assert found is not None
    start_session(request, found)
    console.store.audit(found.name, "login")
    return redirect("/overview")


async def logout(request: Request) -> Response:
    await checked_form(request)
    end_session(request)
    return redirect("/login")


async def language(request: Request) -> Response:
    form = await checked_form(request)
    chosen = str(form.get("locale", ""))
    reader = user(request)
    if reader and chosen in LOCALES:
        state(request).store.set_locale(reader.user.name, chosen)
    return redirect(str(form.get("back", "/overview")))


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/language", language, methods=["POST"]),
]
