"""Deliberately malformed records: which records carry a defect, and the defective values.

Defects are decided per record list with its own ``Random`` stream (independent of the data and
prefix-stable: lists only grow, so a record keeps its defect from day to day). The API modules
apply the defect when they render the record.

Defects: ``invalid_email``, ``impossible_date`` (a birthday such as 1990-02-30), ``negative_amount``,
``unknown_field`` (REST APIs only: a GraphQL answer holds only the fields asked for), ``long_string`` (10 kB).

Three kinds are faults no real service produces, planted only when named in ``CDP_MALFORMED_OPT_IN`` (the loader's
robustness tests ask for them): ``invalid_utf8`` (a family name sent in a legacy single-byte encoding: bytes that are
not UTF-8), ``bad_cursor`` (the modification times of what simulated day 1 creates: one in a local time with its
daylight-saving offset, then an empty one, ``"N/A"`` and ``"2999-01-01"``) and ``wrong_type`` (a quantity "two", an
integer amount sent as a string, a boolean or version of the wrong type: a typed API never sends them).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from .config import now_ts
from .ids import customer_record_id, shopify_checkout_id, shopify_order_id, square_order_id
from .model import Customer, Order, World

CUSTOMER_DEFECTS = {
    "shopify": ("invalid_email", "long_string", "wrong_type", "invalid_utf8"),
    "square": ("invalid_email", "impossible_date", "long_string", "unknown_field", "wrong_type", "invalid_utf8"),
    "hubspot": ("invalid_email", "impossible_date", "long_string", "unknown_field", "wrong_type", "invalid_utf8"),
}
ORDER_DEFECTS = {
    "shopify": ("negative_amount", "wrong_type", "long_string"),
    "square": ("negative_amount", "wrong_type", "long_string", "unknown_field"),
}
CHECKOUT_DEFECTS = ("negative_amount", "long_string")

OPT_IN_DEFECTS = ("invalid_utf8", "bad_cursor", "wrong_type")
BAD_CURSOR_DAY = 1
# What ``bad_cursor`` does to the records a resource gains on BAD_CURSOR_DAY, earliest first: a valid local time that
# sorts before the previous day's times as text, then three times no loader can use.
CURSOR_DEFECTS = ("cursor_local_offset", "cursor_empty", "cursor_not_a_time", "cursor_far_future")
UNUSABLE_CURSOR_DEFECTS = frozenset(CURSOR_DEFECTS[1:])
CURSOR_ZONE = ZoneInfo("America/Los_Angeles")
_UNUSABLE_CURSORS = {"cursor_empty": "", "cursor_not_a_time": "N/A", "cursor_far_future": "2999-01-01"}

LONG_STRING = ("Customer asked us to keep this note. " * 300)[:10_240]
UNKNOWN_FIELD = ("legacy_loyalty_blob", {"tier": "GOLD", "migrated": True, "points": 1234})


def invalid_email(email: str | None, seq: int) -> str:
    local, _, domain = (email or "customer@example").partition("@")
    domain = domain or "example"
    return (f"{local}@@{domain}", f"{local}.{domain}", f"{local}@{domain.split('.')[0]}", f"{local} @{domain}")[seq % 4]


def impossible_date(birthday: str | None, seq: int) -> str:
    year = (birthday or "1990")[:4]
    return (f"{year}-02-30", f"{year}-13-01", f"{year}-04-31", f"{year}-00-10")[seq % 4]


def legacy_bytes(text: str | None) -> str:
    """``text`` as a Windows-1252 system sends it, read as UTF-8: the bytes that do not decode are held as
    surrogate escapes, which the web layer writes out as the raw bytes (see ``web.json_bytes``).

    Text that encodes to plain ASCII gets a trailing "é" so that every defective record carries such bytes.
    """
    encoded = (text or "").encode("cp1252", errors="replace")
    if encoded.isascii():
        encoded += "é".encode("cp1252")
    return encoded.decode("utf-8", errors="surrogateescape")


def cursor_value(defect: str | None, ts: int, render: Callable[[int], str]) -> str:
    """A record's modification time as ``render`` writes it, unless ``bad_cursor`` planted another value."""
    if defect == "cursor_local_offset":
        return datetime.fromtimestamp(ts, CURSOR_ZONE).isoformat()
    if defect in _UNUSABLE_CURSORS:
        return _UNUSABLE_CURSORS[defect]
    return render(ts)


def _pick(rng: random.Random, rate: float, defects: tuple[str, ...], opt_in: frozenset[str]) -> str | None:
    # Drawn from every kind, so that asking for an opt-in kind leaves the other records' defects as they were.
    defect = rng.choice(defects) if rng.random() < rate else None
    return None if defect in OPT_IN_DEFECTS and defect not in opt_in else defect


def assign_defects(world: World, rate: float, opt_in: frozenset[str] = frozenset()) -> None:
    """Mark about ``rate`` of customers, contacts, orders and checkouts as malformed, with the opt-in kinds asked
    for; list them."""
    unknown = sorted(opt_in - set(OPT_IN_DEFECTS))
    if unknown:
        raise ValueError(
            f"CDP_MALFORMED_OPT_IN names unknown kinds {', '.join(unknown)}; known: {', '.join(OPT_IN_DEFECTS)}"
        )
    seed = world.state.seed
    for system, records in world.customers.items():
        rng = random.Random(f"{seed}:malformed:{system}:customer")
        entity = "contact" if system == "hubspot" else "customer"
        for record in records:
            record.defect = _pick(rng, rate, CUSTOMER_DEFECTS[system], opt_in)
            if record.defect:
                world.malformed.append((system, entity, customer_record_id(system, record.seq), record.defect))
    for system, orders in world.orders.items():
        rng = random.Random(f"{seed}:malformed:{system}:order")
        for order in orders:
            order.defect = _pick(rng, rate, ORDER_DEFECTS[system], opt_in)
            if order.defect:
                order_id = str(shopify_order_id(order.seq)) if system == "shopify" else square_order_id(order.seq)
                world.malformed.append((system, "order", order_id, order.defect))
    rng = random.Random(f"{seed}:malformed:shopify:checkout")
    for checkout in world.checkouts:
        checkout.defect = _pick(rng, rate, CHECKOUT_DEFECTS, opt_in)
        if checkout.defect:
            world.malformed.append(("shopify", "checkout", str(shopify_checkout_id(checkout.seq)), checkout.defect))
    if "bad_cursor" in opt_in and world.state.day >= BAD_CURSOR_DAY:
        _assign_cursor_defects(world)


def _assign_cursor_defects(world: World) -> None:
    """``bad_cursor``: the customers and orders each system gained on BAD_CURSOR_DAY, in creation order (which later
    edits do not change), get the cursor defects one each."""
    start, end = now_ts(BAD_CURSOR_DAY - 1), now_ts(BAD_CURSOR_DAY)
    resources: list[tuple[str, str, Sequence[Customer | Order], Callable[[int], str]]] = [
        ("shopify", "customer", world.customers["shopify"], lambda seq: customer_record_id("shopify", seq)),
        ("square", "customer", world.customers["square"], lambda seq: customer_record_id("square", seq)),
        ("shopify", "order", world.orders["shopify"], lambda seq: str(shopify_order_id(seq))),
        ("square", "order", world.orders["square"], square_order_id),
    ]
    for system, entity, records, record_id in resources:
        gained = sorted((r for r in records if start <= r.created < end and r.defect is None), key=lambda r: r.seq)
        for record, defect in zip(gained, CURSOR_DEFECTS, strict=False):
            record.defect = defect
            world.malformed.append((system, entity, record_id(record.seq), defect))
