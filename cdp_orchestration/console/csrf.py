"""CSRF protection for every form: a random token in the signed session, echoed by a hidden field of each form.

Session cookies are also SameSite=Strict; the token covers browsers and proxies that do not honour it.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

FIELD = "csrf_token"
REFUSED = "csrf"
MAX_FIELDS = 50


def new_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (the login form has one before anyone is logged in)."""
    token = request.session.get("csrf")
    if not token:
        token = new_token()
        request.session["csrf"] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its token matches the session's; a 403 otherwise. No file uploads."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    sent, expected = form.get(FIELD), request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise HTTPException(status_code=403, detail=REFUSED)
    return form
