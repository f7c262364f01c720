"""Customers: search (POSTed, so no term is ever in a URL or a log) and the profile, with the audit of each view."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console.access import Permission
from cdp_orchestration.console.csrf import checked_form
from cdp_orchestration.console.pages.common import read_copy, render, state, user
from cdp_orchestration.console.queries.customers import (
    CUSTOMER_ID,
    SEARCH_LIMIT,
    TIMELINE_LIMIT,
    Searcher,
    kind_of,
    moved,
    profile,
)
from resolution import recorded_overrides_path

MAX_QUERY = 200


def valid_customer_id(value: str) -> str:
    if not CUSTOMER_ID.match(value):
        raise HTTPException(status_code=404)
    return value


@requires(Permission.CUSTOMERS)
async def search_page(request: Request) -> Response:
    return render(request, "customers.html", results=None, query="")


@requires(Permission.CUSTOMERS)
async def search(request: Request) -> Response:
    form = await checked_form(request)
    query = str(form.get("q", ""))[:MAX_QUERY].strip()
    searcher = Searcher(pseudonymised=state(request).copy.pseudonymised)
    results = await read_copy(request, searcher.search, query) if query else []
    return render(request, "customers.html", results=results, query=query, kind=kind_of(query), limit=SEARCH_LIMIT)


@requires(Permission.CUSTOMERS)
async def profile_page(request: Request) -> Response:
    customer_id = valid_customer_id(request.path_params["customer_id"])
    console = state(request)
    found = await read_copy(request, profile, customer_id, console.explainer())
    if found is None:
        change = await read_copy(request, moved, customer_id)
        if change is None:
            raise HTTPException(status_code=404)
        return render(request, "moved.html", customer_id=customer_id, change=change, status_code=404)
    reader = user(request)
    assert reader is not None
    # Who looked at whom and when; never what they searched for or saw.
    console.store.audit(reader.user.name, "view_profile", customer_id)
    return render(
        request,
        "profile.html",
        p=found,
        c=found.customer,
        timeline_limit=TIMELINE_LIMIT,
        decisions_file=recorded_overrides_path(),
    )


routes = [
    Route("/customers", search_page, methods=["GET"]),
    Route("/customers", search, methods=["POST"]),
    Route("/customers/{customer_id}", profile_page, methods=["GET"]),
]
