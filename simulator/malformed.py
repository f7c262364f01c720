"""Deliberately malformed records: which records carry a defect, and the defective values.

Defects are decided per record list with its own ``Random`` stream (independent of the data and
prefix-stable: lists only grow, so a record keeps its defect from day to day). The API modules
apply the defect when they render the record.

Defects: ``invalid_email``, ``impossible_date`` (a birthday such as 1990-02-30),
``negative_amount``, ``unknown_field``, ``long_string`` (10 kB), ``wrong_type`` (a quantity
"two", an integer amount sent as a string, a boolean or version of the wrong type), ``invalid_utf8``
(a family name sent in a legacy single-byte encoding: bytes that are not UTF-8).
"""

from __future__ import annotations

import random

from .ids import customer_record_id, shopify_checkout_id, shopify_order_id, square_order_id
from .model import World

CUSTOMER_DEFECTS = {
    "shopify": ("invalid_email", "long_string", "unknown_field", "wrong_type", "invalid_utf8"),
    "square": ("invalid_email", "impossible_date", "long_string", "unknown_field", "wrong_type", "invalid_utf8"),
    "hubspot": ("invalid_email", "impossible_date", "long_string", "unknown_field", "wrong_type", "invalid_utf8"),
}
ORDER_DEFECTS = ("negative_amount", "wrong_type", "long_string", "unknown_field")
CHECKOUT_DEFECTS = ("negative_amount", "long_string", "unknown_field")

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


def _pick(rng: random.Random, rate: float, defects: tuple[str, ...]) -> str | None:
    return rng.choice(defects) if rng.random() < rate else None


def assign_defects(world: World, rate: float) -> None:
    """Mark about ``rate`` of customers, contacts, orders and checkouts as malformed; list them."""
    seed = world.state.seed
    for system, records in world.customers.items():
        rng = random.Random(f"{seed}:malformed:{system}:customer")
        entity = "contact" if system == "hubspot" else "customer"
        for record in records:
            record.defect = _pick(rng, rate, CUSTOMER_DEFECTS[system])
            if record.defect:
                world.malformed.append((system, entity, customer_record_id(system, record.seq), record.defect))
    for system, orders in world.orders.items():
        rng = random.Random(f"{seed}:malformed:{system}:order")
        for order in orders:
            order.defect = _pick(rng, rate, ORDER_DEFECTS)
            if order.defect:
                order_id = str(shopify_order_id(order.seq)) if system == "shopify" else square_order_id(order.seq)
                world.malformed.append((system, "order", order_id, order.defect))
    rng = random.Random(f"{seed}:malformed:shopify:checkout")
    for checkout in world.checkouts:
        checkout.defect = _pick(rng, rate, CHECKOUT_DEFECTS)
        if checkout.defect:
            world.malformed.append(("shopify", "checkout", str(shopify_checkout_id(checkout.seq)), checkout.defect))
