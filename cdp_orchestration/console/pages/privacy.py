"""Privacy requests from a profile (admins): export a person's data, and forget a person after a confirmation.

Both run through the same code as `cdp export-person` and `cdp forget` (privacy.export_person and
cdp_orchestration.privacy_requests.forget_person) on the warehouse itself, and are written to the audit log.
"""

from __future__ import annotations

import duckdb
from starlette.authentication import requires
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console.access import Permission
from cdp_orchestration.console.csrf import checked_form
from cdp_orchestration.console.pages.common import read_copy, render, state, user
from cdp_orchestration.console.pages.customers import valid_customer_id
from cdp_orchestration.console.queries.customers import profile
from cdp_orchestration.privacy_requests import forget_person
from privacy import export_person

KIND = "customer_id"


def _busy(request: Request, error: duckdb.Error, customer_id: str) -> Response:
    # DuckDB lets one process write the warehouse: while the night runs, a privacy request waits for it to end.
    return render(request, "privacy_busy.html", status_code=503, customer_id=customer_id, error=str(error))


@requires(Permission.PRIVACY)
async def forget_page(request: Request) -> Response:
    customer_id = valid_customer_id(request.path_params["customer_id"])
    found = await read_copy(request, profile, customer_id, state(request).explainer())
    return render(request, "forget.html", customer_id=customer_id, p=found, mismatch=False)


@requires(Permission.PRIVACY)
async def forget(request: Request) -> Response:
    customer_id = valid_customer_id(request.path_params["customer_id"])
    form = await checked_form(request)
    if str(form.get("confirm", "")).strip() != customer_id:
        found = await read_copy(request, profile, customer_id, state(request).explainer())
        return render(request, "forget.html", status_code=400, customer_id=customer_id, p=found, mismatch=True)
    reader = user(request)
    assert reader is not None
    try:
        result = await run_in_threadpool(forget_person, KIND, customer_id, f"console:{reader.user.name}")
    except duckdb.IOException as error:
        return _busy(request, error, customer_id)
    state(request).store.audit(reader.user.name, "forget", customer_id, f"request {result.request_id}")
    return render(request, "forgotten.html", customer_id=customer_id, result=result)


@requires(Permission.PRIVACY)
async def export(request: Request) -> Response:
    customer_id = valid_customer_id(request.path_params["customer_id"])
    await checked_form(request)
    reader = user(request)
    assert reader is not None
    try:
        document = await run_in_threadpool(export_person, KIND, customer_id)
    except duckdb.IOException as error:
        return _busy(request, error, customer_id)
    state(request).store.audit(reader.user.name, "export_person", customer_id)
    return Response(
        document,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{customer_id}.json"'},
    )


routes = [
    Route("/customers/{customer_id}/forget", forget_page, methods=["GET"]),
    Route("/customers/{customer_id}/forget", forget, methods=["POST"]),
    Route("/customers/{customer_id}/export", export, methods=["POST"]),
]
