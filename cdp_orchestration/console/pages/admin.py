"""Admins: users and their roles, and the audit log."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console.access import ROLES, Permission
from cdp_orchestration.console.csrf import checked_form
from cdp_orchestration.console.i18n import N_
from cdp_orchestration.console.pages.common import flash, redirect, render, state, user
from cdp_orchestration.console.users import add_user


@requires(Permission.USERS)
async def users_page(request: Request) -> Response:
    return render(request, "users.html", users=state(request).store.users(), roles=list(ROLES), error=None)


@requires(Permission.USERS)
async def create_user(request: Request) -> Response:
    form = await checked_form(request)
    name, role = str(form.get("name", "")).strip(), str(form.get("role", ""))
    try:
        await run_in_threadpool(add_user, state(request).store, name, role, str(form.get("password", "")))
    except ValueError as error:
        users = state(request).store.users()
        return render(request, "users.html", status_code=400, users=users, roles=list(ROLES), error=str(error))
    reader = user(request)
    assert reader is not None
    state(request).store.audit(reader.user.name, "add_user", detail=f"{name} ({role})")
    flash(request, N_("User added."))
    return redirect("/admin/users")


@requires(Permission.USERS)
async def change_user(request: Request) -> Response:
    form = await checked_form(request)
    name = request.path_params["name"]
    store = state(request).store
    target = store.user(name)
    role = str(form.get("role", "")) or None
    disabled = {"disable": True, "enable": False}.get(str(form.get("status", "")))
    if target is None or (role is not None and role not in ROLES):
        flash(request, N_("No such user or role."))
        return redirect("/admin/users")
    removes_admin = target.role == "admin" and not target.disabled and (disabled or (role and role != "admin"))
    if removes_admin and store.admins() <= 1:
        flash(request, N_("The last admin cannot be demoted or disabled."))
        return redirect("/admin/users")
    store.update_user(name, role=role, disabled=disabled)
    reader = user(request)
    assert reader is not None
    store.audit(reader.user.name, "change_user", detail=f"{name}: role={role or target.role} disabled={disabled}")
    flash(request, N_("User changed; their sessions have ended."))
    return redirect("/admin/users")


@requires(Permission.AUDIT)
async def audit_page(request: Request) -> Response:
    return render(request, "audit.html", entries=state(request).store.audit_entries())


routes = [
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", create_user, methods=["POST"]),
    Route("/admin/users/{name}", change_user, methods=["POST"]),
    Route("/admin/audit", audit_page, methods=["GET"]),
]
