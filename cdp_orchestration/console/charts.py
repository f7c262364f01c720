"""Charts as Plotly figures: built here in Python, drawn in the browser by the plotly.js that ships inside the
`plotly` wheel and is served by the console itself (no CDN, nothing fetched at run time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

from cdp_orchestration.console.i18n import Localizer

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PALETTE = ["#2f6fdf", "#e07a1f", "#2a9d6f", "#c2417a", "#7a5cc7", "#8c8c2b", "#3aa1b5", "#b55a3a", "#5c7080", "#d1a21f"]
HEIGHT = 320


def _layout(l10n: Localizer, title: str, y_title: str = "", x_title: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "height": HEIGHT,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "separators": l10n.plotly_separators(),
        "colorway": PALETTE,
        # No Plotly template: it would embed kilobytes of defaults in every figure; the few styles needed are here.
        "template": "none",
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1d2433"},
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": x_title}, "showgrid": False, "linecolor": "#c4cad6", "automargin": True},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e6e9ef", "automargin": True},
        "hovermode": "x unified",
        **extra,
    }


def to_json(figure: go.Figure) -> str:
    """The figure as the JSON plotly.js reads (the page embeds it in a data block, escaped by the template)."""
    return figure.to_json(engine="json")


def lines_by_series(
    l10n: Localizer,
    title: str,
    points: Iterable[dict[str, Any]],
    x: str,
    y: str,
    series: str,
    y_title: str = "",
    name: Any = None,
) -> str:
    """One line per value of `series` (a channel, a store, a segment); bars when there is only one `x` so far (a
    line through one point draws nothing)."""
    grouped: dict[str, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for point in points:
        xs, ys = grouped[point[series]]
        xs.append(point[x])
        ys.append(point[y])
    labels = {key: name(key) if name else str(key) for key in grouped}
    if len({value for xs, _ in grouped.values() for value in xs}) == 1:
        return bars(l10n, title, list(labels.values()), [ys[0] for _, ys in grouped.values()], y_title)
    figure = go.Figure(layout=_layout(l10n, title, y_title))
    for key, (xs, ys) in grouped.items():
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=labels[key]))
    return to_json(figure)


def bars(
    l10n: Localizer,
    title: str,
    labels: list[str],
    values: list[float],
    y_title: str = "",
    horizontal: bool = False,
) -> str:
    if horizontal:
        trace = go.Bar(y=labels[::-1], x=values[::-1], orientation="h")
        layout = _layout(l10n, title, x_title=y_title, hovermode="y", margin={"l": 160, "r": 20, "t": 40, "b": 40})
        layout["xaxis"]["rangemode"] = "tozero"
    else:
        trace = go.Bar(x=labels, y=values)
        layout = _layout(l10n, title, y_title, hovermode="x")
    return to_json(go.Figure(trace, layout=layout))
