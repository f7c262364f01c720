"""Shopify's search syntax in a connection's `query` argument: `updated_at:>'2026-06-01T02:00:00Z' status:any`.

Terms are joined by AND; a field takes `:value` or a range (`:>`, `:>=`, `:<`, `:<=`), values optionally quoted.
Times, `id` and (for orders) `status` are understood; a term Shopify would not know for the resource is ignored and
reported back as a warning (`extensions.search`), as Shopify does.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from ..web import parse_time

_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)""")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "": operator.eq,
}
TIME_FIELDS = {"updated_at": "updated", "created_at": "created", "processed_at": "created"}
ORDER_STATUSES: dict[str, Callable[[Any], bool]] = {
    "any": lambda o: True,
    "open": lambda o: not o.cancelled,
    "cancelled": lambda o: o.cancelled,
    "closed": lambda o: False,
}


def search_filter(
    text: str | None, id_of: Callable[[Any], int], statuses: dict[str, Callable[[Any], bool]] | None = None
) -> tuple[Callable[[Any], bool] | None, list[dict[str, str]]]:
    """(predicate over simulated records, warnings) for a search string; no predicate when nothing filters."""
    tests: list[Callable[[Any], bool]] = []
    warnings: list[dict[str, str]] = []
    for name, op, raw in _TERM.findall(text or ""):
        value = raw.strip("'\"")
        compare = _COMPARE[op]
        if name in TIME_FIELDS:
            try:
                moment = parse_time(value)
            except ValueError:
                warnings.append({"field": name, "message": f"Invalid value for {name}: {value}"})
                continue
            attribute = TIME_FIELDS[name]
            tests.append(lambda r, a=attribute, m=moment, c=compare: c(getattr(r, a), m))
        elif name == "id" and value.isdigit():
            tests.append(lambda r, v=int(value), c=compare: c(id_of(r), v))
        elif name == "status" and statuses is not None and value in statuses:
            tests.append(statuses[value])
        else:
            warnings.append({"field": name, "message": "Invalid search field for this query."})
    if not tests:
        return None, warnings
    if len(tests) == 1:
        return tests[0], warnings
    return (lambda r: all(test(r) for test in tests)), warnings
