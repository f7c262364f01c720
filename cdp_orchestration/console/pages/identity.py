"""Identity: how well records are joined, the pairs worth a look, and analysts' decisions for the next night."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console import charts
from cdp_orchestration.console.access import Permission
from cdp_orchestration.console.analytics import rows
from cdp_orchestration.console.csrf import checked_form
from cdp_orchestration.console.i18n import N_
from cdp_orchestration.console.pages.common import flash, localizer, read_copy, redirect, render, state, user
from cdp_orchestration.console.queries.identity import identity_health
from resolution import read_overrides, record_override, recorded_overrides_path

MAX_REASON = 300


@requires(Permission.IDENTITY)
async def identity_page(request: Request) -> Response:
    console = state(request)
    health = await read_copy(request, identity_health, console.explainer())
    l10n = localizer(request)
    _ = l10n.gettext
    sizes = charts.bars(
        l10n,
        _("Customers by number of source records"),
        [str(r["records"]) for r in health.cluster_sizes],
        [r["customers"] for r in health.cluster_sizes],
        _("Customers"),
    )
    recorded = await run_in_threadpool(read_overrides, recorded_overrides_path())
    return render(
        request,
        "identity.html",
        health=health,
        sizes_chart=sizes,
        recorded=recorded,
        decisions_file=recorded_overrides_path(),
    )


def _known_records(cursor, record_ids: list[str]) -> set[str]:
    found = rows(cursor, "select record_id from marts.customer_id_map where list_contains(?, record_id)", [record_ids])
    return {r["record_id"] for r in found}


@requires(Permission.DECIDE_IDENTITY)
async def decide(request: Request) -> Response:
    """Records "same person" / "not the same person" for two records; the next night's identity step applies it."""
    form = await checked_form(request)
    left, right = str(form.get("record_id_l", "")).strip(), str(form.get("record_id_r", "")).strip()
    decision = str(form.get("decision", ""))
    reason = " ".join(str(form.get("reason", "")).split())[:MAX_REASON]
    back = str(form.get("back", "/identity"))
    known = await read_copy(request, _known_records, [left, right])
    if decision not in ("same", "different") or left == right or known != {left, right}:
        flash(request, N_("The decision was not recorded: it needs two different known records and a decision."))
        return redirect(back)
    reader = user(request)
    assert reader is not None
    await run_in_threadpool(
        record_override, recorded_overrides_path(), left, right, decision, reason, f"console:{reader.user.name}"
    )
    customer = str(form.get("customer_id", "")) or None
    state(request).store.audit(reader.user.name, f"identity_{decision}", customer, f"{left} {right}")
    flash(request, N_("Decision recorded: the next nightly run applies it."))
    return redirect(back)


routes = [
    Route("/identity", identity_page, methods=["GET"]),
    Route("/identity/decisions", decide, methods=["POST"]),
]
