"""The overview: what sells, where and to whom, and how last night went."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdp_orchestration.console import charts
from cdp_orchestration.console.access import Permission
from cdp_orchestration.console.i18n import Localizer
from cdp_orchestration.console.pages.common import localizer, read_copy, render
from cdp_orchestration.console.queries.overview import Overview, overview
from cdp_orchestration.console.words import word


def overview_charts(l10n: Localizer, data: Overview) -> dict[str, str]:
    """Chart name → Plotly figure JSON; each chart's numbers are on the page beside it."""
    _ = l10n.gettext
    money = f"{_('Revenue')} ({data.reporting_currency})"
    return {
        "weekly": charts.lines_by_series(
            l10n, _("Sales by week and channel"), data.weekly_by_channel, "period", "revenue", "channel", money,
            name=lambda c: word(l10n, "channel", c),
        ),
        "daily": charts.lines_by_series(
            l10n, _("Sales by day, last 90 days"), data.daily_by_channel, "period", "revenue", "channel", money,
            name=lambda c: word(l10n, "channel", c),
        ),
        "stores": charts.lines_by_series(
            l10n, _("Sales by week and store"), data.weekly_by_store, "period", "revenue", "store", money,
            name=lambda s: word(l10n, "store", s),
        ),
        "products": charts.bars(
            l10n, _("Top products"), [p["product_name"] for p in data.top_products],
            [p["revenue"] for p in data.top_products], money, horizontal=True,
        ),
        "countries": charts.bars(
            l10n, _("Active customers by country"), [word(l10n, "country", c["country"]) for c in data.countries],
            [c["active_customers"] for c in data.countries], _("Active customers"),
        ),
        "lifecycle": charts.bars(
            l10n, _("Spend by lifecycle stage"), [word(l10n, "stage", s["lifecycle_stage"]) for s in data.lifecycle],
            [s["spend"] or 0 for s in data.lifecycle], money,
        ),
        "segments": charts.lines_by_series(
            l10n, _("Segment sizes over time"), data.segment_sizes, "day", "members", "segment", _("Customers"),
        ),
    }  # fmt: skip


@requires(Permission.OVERVIEW)
async def overview_page(request: Request) -> Response:
    data = await read_copy(request, overview)
    l10n = localizer(request)
    return render(request, "overview.html", data=data, charts=overview_charts(l10n, data))


routes = [Route("/overview", overview_page, methods=["GET"])]
