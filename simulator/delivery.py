"""How customers get what they buy: shipped, picked up in a store, or delivered locally.

A person mostly uses one method (their habit, ``{seed}:delivery:person:{pid}``: shipping for most, pickup in a store
for some, local delivery for a few) and now and then another. Every web order chooses one at checkout (Shopify's
shipping line) except an order of gift cards only, which ships nothing; a few in-store sales are fulfilled later
(Square's fulfillments: ordered ahead and picked up, shipped home, delivered locally), the rest are carried out of the
store. Now and then such a sale's first fulfillment is cancelled and another method reaches the buyer (a pickup
never collected, then shipped): Square keeps both, the cancelled one first.
Each order's choice comes from a stream of its own (``{seed}:delivery:{system}:{seq}``) drawn after the rest of the
world: people, records and orders are what they were without it, and a past order's choice never changes; the
cancelled fulfillment comes from another (``{seed}:delivery:square-cancelled:{seq}``), so the choices are what they
were without it.
"""

from __future__ import annotations

import random
from itertools import accumulate

from .catalog import PRODUCTS, STORES, STORES_BY_COUNTRY
from .model import Order, Person, World

SHIPPING, PICKUP, LOCAL = "shipping", "pickup", "local"
METHODS = (SHIPPING, PICKUP, LOCAL)
_HABIT_CUM = tuple(accumulate((70, 20, 10)))  # share of people whose habit each method is
HABIT_SHARE = 0.85  # orders that follow the person's habit; the others take any method
SQUARE_FULFILLED_SHARE = 0.15  # in-store sales fulfilled later rather than carried out of the store
SQUARE_CANCELLED_SHARE = 0.2  # of those (not cancelled), the ones whose first fulfillment was cancelled
# Square's fulfillment type of each method (Orders API `Fulfillment.type`).
SQUARE_TYPES = {PICKUP: "PICKUP", SHIPPING: "SHIPMENT", LOCAL: "DELIVERY"}
# The shop's shipping rates as its checkout names them (Shopify shows a pickup line under its location's name).
SHIPPING_TITLE, LOCAL_TITLE = "Standard Shipping", "Local Delivery"
# Shopify's classification of each method on the shipping line (`ShippingLine.deliveryCategory`).
SHOPIFY_CATEGORIES = {PICKUP: "pick-up", SHIPPING: "shipping", LOCAL: "local"}


def habit(seed: int, person: Person) -> str:
    """The delivery method ``person`` mostly uses."""
    r = random.Random(f"{seed}:delivery:person:{person.pid}").random() * _HABIT_CUM[-1]
    return METHODS[next(i for i, cum in enumerate(_HABIT_CUM) if r < cum)]


def add_delivery(world: World) -> None:
    """Each customer order's delivery method (``Order.delivery``; None when nothing is delivered)."""
    seed = world.state.seed
    habits: dict[int, str] = {}
    for system in ("shopify", "square"):
        for order in world.orders[system]:
            if order.customer is None or not _delivered(order):
                continue
            rng = random.Random(f"{seed}:delivery:{system}:{order.seq}")
            if system == "square" and rng.random() >= SQUARE_FULFILLED_SHARE:
                continue
            person = order.customer.person
            if person.pid not in habits:
                habits[person.pid] = habit(seed, person)
            order.delivery = habits[person.pid] if rng.random() < HABIT_SHARE else rng.choice(METHODS)
            if system == "square" and not order.cancelled:
                _add_cancelled_fulfillment(seed, order)


def _add_cancelled_fulfillment(seed: int, order: Order) -> None:
    """Now and then, a fulfillment of another method that was cancelled before the order's own
    (``Order.cancelled_delivery``)."""
    rng = random.Random(f"{seed}:delivery:square-cancelled:{order.seq}")
    if rng.random() < SQUARE_CANCELLED_SHARE:
        order.cancelled_delivery = rng.choice([method for method in METHODS if method != order.delivery])


def _delivered(order: Order) -> bool:
    """Whether anything of the order is delivered: a gift card is sent by email."""
    return any(PRODUCTS[product].category != "gift" for product, _ in order.lines)


def pickup_store(order: Order) -> int:
    """Where a web order is picked up: the buyer's home store, or their country's first one."""
    assert order.customer is not None
    home = order.customer.person.home_store
    return home if STORES[home].country == order.country else STORES_BY_COUNTRY[order.country][0].index


def title(order: Order) -> str:
    """The checkout's name of the order's delivery option (Shopify's shipping line title)."""
    if order.delivery == PICKUP:
        return STORES[pickup_store(order)].name
    return LOCAL_TITLE if order.delivery == LOCAL else SHIPPING_TITLE


def category(order: Order) -> str:
    """Shopify's delivery category of the order's shipping line."""
    assert order.delivery is not None
    return SHOPIFY_CATEGORIES[order.delivery]
