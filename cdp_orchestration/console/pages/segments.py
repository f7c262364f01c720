"""Segments: each with its description, owner, definition, size over time, last night's movements, destinations."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console import charts
from cdp_orchestration.console.access import Permission
from cdp_orchestration.console.pages.common import localizer, read_copy, render
from cdp_orchestration.console.queries.segments import segment_detail, segment_overview


@requires(Permission.SEGMENTS)
async def segments_page(request: Request) -> Response:
    segments = await read_copy(request, segment_overview)
    return render(request, "segments.html", segments=segments)


@requires(Permission.SEGMENTS)
async def segment_page(request: Request) -> Response:
    found = await read_copy(request, segment_detail, request.path_params["name"])
    if found is None:
        raise HTTPException(status_code=404)
    l10n = localizer(request)
    chart = charts.lines_by_series(
        l10n,
        l10n.gettext("Size over time"),
        [dict(point, segment=found.name) for point in found.sizes],
        "day",
        "members",
        "segment",
        l10n.gettext("Customers"),
    )
    return render(request, "segment.html", s=found, chart=chart)


routes = [
    Route("/segments", segments_page, methods=["GET"]),
    Route("/segments/{name}", segment_page, methods=["GET"]),
]
