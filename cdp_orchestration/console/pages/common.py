"""What every page needs: the console's state, the reader's locale and user, rendering, redirects and flash notes."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from cdp_orchestration.console.access import ConsoleUser, Permission
from cdp_orchestration.console.csrf import FIELD, csrf_token
from cdp_orchestration.console.disclosure import Disclosure
from cdp_orchestration.console.i18n import N_, Localizer, negotiate
from cdp_orchestration.console.state import ConsoleState

# Pages in the navigation: path, label (translated in the template), the permission that shows it.
NAVIGATION = [
    ("/overview", N_("Overview"), Permission.OVERVIEW),
    ("/customers", N_("Customers"), Permission.CUSTOMERS),
    ("/segments", N_("Segments"), Permission.SEGMENTS),
    ("/identity", N_("Identity"), Permission.IDENTITY),
    ("/admin/users", N_("Users"), Permission.USERS),
    ("/admin/audit", N_("Audit log"), Permission.AUDIT),
]
_INTERNAL_PATH = re.compile(r"^/[A-Za-z0-9/_.:-]*$")


def state(request: Request) -> ConsoleState:
    return request.app.state.console


def user(request: Request) -> ConsoleUser | None:
    found = request.user
    return found if isinstance(found, ConsoleUser) else None


def locale(request: Request) -> str:
    reader = user(request)
    return reader.user.locale if reader else negotiate(request.headers.get("accept-language"))


def localizer(request: Request) -> Localizer:
    return Localizer(locale(request))


def disclosure(request: Request) -> Disclosure:
    reader = user(request)
    return Disclosure(
        pseudonymised=state(request).copy.pseudonymised,
        full_contacts=bool(reader and reader.can(Permission.FULL_CONTACTS)),
    )


def flash(request: Request, message: str) -> None:
    """A note for the next page this session shows (an English message id, translated when shown)."""
    request.session["flash"] = message


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    reader = user(request)
    environment = state(request).environments[locale(request)]
    page = environment.get_template(template).render(
        request=request,
        user=reader,
        can=(lambda permission: bool(reader and reader.can(Permission(permission)))),
        csrf_field=FIELD,
        csrf_token=csrf_token(request),
        navigation=[(path, label) for path, label, permission in NAVIGATION if reader and reader.can(permission)],
        current_path=request.url.path,
        flash=request.session.pop("flash", None),
        show=disclosure(request),
        pseudonymised=state(request).copy.pseudonymised,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def redirect(path: str) -> RedirectResponse:
    """A redirect after a POST, only ever to a path of this console (no open redirects)."""
    return RedirectResponse(path if _INTERNAL_PATH.match(path) and not path.startswith("//") else "/", 303)


async def read_copy(request: Request, query, *args: Any) -> Any:
    """Runs `query(cursor, *args)` on the analytics copy in a worker thread (DuckDB blocks)."""

    def run() -> Any:
        with state(request).copy.cursor() as cursor:
            return query(cursor, *args)

    return await run_in_threadpool(run)
