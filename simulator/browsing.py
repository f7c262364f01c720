"""Browsing on the web shop as Shopify's Web Pixels see it: visits of page, product and collection views, searches,
carts and checkouts, by people on their own devices, by visitors the shop never learns about, and on the stores'
tablets that many customers use.

Every web order is the end of a visit (views, the cart, the checkout), every abandoned checkout the end of one that
stopped there; people also browse without buying (mostly not logged in), and anonymous visitors come and go. A person
uses one to three devices of their own (a Web Pixels client ID each); a few log in on someone else's device now and
then; each store's tablet is used by many customers, who log in or check out on it.

The web history starts ``WEB_HISTORY_DAYS`` before simulated day 0 (when the collector was installed). Each day's
visits come from a random stream of its own (``{seed}:web:day:{k}``), people's devices and habits from theirs
(``{seed}:web:person:{pid}``): nothing else in the world changes, and a past day's visits never do.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import accumulate
from typing import NamedTuple

from . import delivery
from .catalog import COUNTRIES, COUNTRY_BY_CODE, PRODUCTS, PRODUCTS_BY_CATEGORY, STORES, TASTES, utc_offsets
from .config import DAY_SECONDS, EPOCH_START, HISTORY_DAYS
from .ids import shopify_checkout_token, shopify_customer_id, web_client_id
from .model import Customer, Order, Person, World

WEB_HISTORY_DAYS = 45
BROWSE_VISITS_PER_PERSON_DAY = 0.012  # visits without a purchase, by people of the population
VISITOR_VISITS_PER_PERSON_DAY = 0.02  # visits by people the shop never learns about
RETURNING_VISITORS_PER_PERSON = 0.3  # anonymous visitors who come back, per person of the population
# Visits on each store's tablet: about one a day, a few more in a big business (many customers use each tablet).
TABLET_VISITS_PER_STORE_DAY = 1.0
TABLET_VISITS_PER_PERSON_DAY = 0.0003
LOGGED_IN_SHARE = 0.35  # browsing visits of people with a web account who log in
LOGGED_IN_BUYER_SHARE = 0.6  # buyers logged in before the checkout
GUEST_SHARE = 0.005  # logged-in visits on someone else's device
TABLET_PURCHASE_SHARE = 0.03  # web orders placed on a store's tablet
LAPSED_INTEREST = 0.2  # how much less people browse once they have stopped buying
MAX_EVENTS_PER_VISIT = 200
# Client ID kinds (simulator.ids.web_client_id).
PERSONAL, TABLET, RETURNING, ONE_TIME = 0, 1, 2, 3
CHANNELS = (  # (channel, share, referrer, utm_source, utm_medium)
    ("direct", 0.30, None, None, None),
    ("organic_search", 0.25, "https://www.google.com/", None, None),
    ("paid_search", 0.10, "https://www.google.com/", "google", "cpc"),
    ("social", 0.12, "https://www.instagram.com/", None, None),
    ("email", 0.13, None, "hubspot", "email"),
    ("referral", 0.10, "https://www.lookbook.example/", None, None),
)
_CHANNEL_CUM = tuple(accumulate(c[1] for c in CHANNELS))
_COUNTRY_CUM = tuple(accumulate(c.share for c in COUNTRIES))


class Checkout(NamedTuple):
    """What a checkout event carries: its lines, the buyer as the checkout knows them, and the order it became."""

    token: str
    lines: tuple[tuple[int, int], ...]  # (product index, quantity)
    currency: str
    country: str
    email: str | None
    customer_id: int | None  # the Shopify customer of a completed checkout's order
    order: Order | None
    delivery: tuple[str, str] | None  # (type, title) of the selected delivery option: the order's shipping line


class PixelEvent(NamedTuple):
    """One Web Pixels event, compactly; ``pixels.render`` writes it out as a collector would."""

    ts: int
    number: int  # unique, stable: the event's ID derives from it
    seq: int  # index within its visit
    client: str
    name: str
    path: str
    referrer: str | None
    currency: str
    customer_id: int | None  # the logged-in Shopify customer (from Web Pixels' init data), else None
    detail: tuple  # the event's data: a product index, (category,), (query, products), (product, qty), a Checkout
    person: int | None  # truth: who acted (None: a visitor outside the population); never rendered


@dataclass(frozen=True, slots=True)
class Device:
    client: str
    mobile: bool


@dataclass(frozen=True, slots=True)
class Habits:
    devices: tuple[Device, ...]
    language: str


class Web:
    """The web shop's visitors for one world: who browses, on which devices, and each day's visits."""

    def __init__(self, world: World, malformed_rate: float = 0.0) -> None:
        self.world = world
        self.malformed_rate = malformed_rate
        self.seed = world.state.seed
        self.first_day = HISTORY_DAYS - WEB_HISTORY_DAYS
        self.last_day = HISTORY_DAYS + world.state.day - 1  # the window ending at the world's clock
        self.shopify: dict[int, list[Customer]] = defaultdict(list)
        for record in world.customers["shopify"]:
            self.shopify[record.person.pid].append(record)
        self.households: dict[int, list[Person]] = defaultdict(list)
        for person in world.people:
            self.households[person.household].append(person)
        # Each store's customers with a web account, by when they opened it (the tablet's users).
        self.tablet_users: dict[int, list[tuple[int, int, Person]]] = defaultdict(list)
        for pid, records in self.shopify.items():
            person = records[0].person
            self.tablet_users[person.home_store].append((records[0].created, pid, person))
        for users in self.tablet_users.values():
            users.sort(key=lambda user: user[:2])
        self.orders = self._by_day(world.orders["shopify"])
        self.checkouts = self._by_day(world.checkouts)
        self._habits: dict[int, Habits] = {}

    def _by_day(self, orders: list[Order]) -> dict[int, list[Order]]:
        days: dict[int, list[Order]] = defaultdict(list)
        for order in orders:
            k = (order.created - EPOCH_START) // DAY_SECONDS
            if self.first_day <= k <= self.last_day and order.customer is not None:
                days[k].append(order)
        return days

    @cached_property
    def offsets(self) -> dict[str, list[int]]:
        return {c.timezone: utc_offsets(c.timezone, self.last_day + 2) for c in COUNTRIES}

    def habits(self, person: Person) -> Habits:
        """A person's devices and their browser's language."""
        if person.pid not in self._habits:
            rng = random.Random(f"{self.seed}:web:person:{person.pid}")
            count = 1 + (rng.random() < 0.5) + (rng.random() < 0.15)
            devices = tuple(
                Device(web_client_id(PERSONAL, person.pid * 4 + i), rng.random() < 0.65) for i in range(count)
            )
            language = COUNTRY_BY_CODE[person.country].locale.replace("_", "-")
            self._habits[person.pid] = Habits(devices, language)
        return self._habits[person.pid]

    @staticmethod
    def day_start(k: int) -> int:
        return EPOCH_START + k * DAY_SECONDS

    def tablet(self, store: int) -> str:
        return web_client_id(TABLET, store)

    def days(self, needed: Callable[[int], bool] = lambda k: True) -> Iterator[tuple[int, list[PixelEvent]]]:
        """(absolute day, its visits' events in time order) for every `needed` day of web history up to the world's
        clock (each day is drawn from its own random stream: one left out changes no other)."""
        for k in range(self.first_day, self.last_day + 1):
            if needed(k):
                yield k, sorted(_Day(self, k).events(), key=lambda e: (e.ts, e.number))

    def clients(self) -> Iterator[tuple[str, int | None, str]]:
        """Truth: (client ID, person ID or None, kind) of every client that may appear: each person's devices,
        the shared tablets."""
        for person in self.world.people:
            for device in self.habits(person).devices:
                yield device.client, person.pid, "personal"
        for store in STORES:
            yield self.tablet(store.index), None, "shared"


class _Day:
    """One simulated day's visits (absolute day ``k``)."""

    def __init__(self, web: Web, k: int) -> None:
        self.web, self.k = web, k
        self.rng = random.Random(f"{web.seed}:web:day:{k}")
        self.start = EPOCH_START + k * DAY_SECONDS
        self.visits = 0
        self.out: list[PixelEvent] = []

    # ----------------------------------------------------------------- drawing
    def _local_moment(self, country: str) -> int:
        """A moment of the day when people of ``country`` are awake (7:00-24:00 local)."""
        offset = self.web.offsets[COUNTRY_BY_CODE[country].timezone][self.k]
        for _ in range(4):
            ts = self.start + self.rng.randrange(DAY_SECONDS)
            if 7 <= ((ts + offset) % DAY_SECONDS) // 3600:
                return ts
        return ts

    def _channel(self) -> tuple[str | None, str]:
        """(referrer, query string of the landing page) of a visit's channel."""
        r = self.rng.random() * _CHANNEL_CUM[-1]
        _, _, referrer, source, medium = CHANNELS[bisect_left(_CHANNEL_CUM, r)]
        query = f"?utm_source={source}&utm_medium={medium}&utm_campaign=c{self.k % 30}" if source else ""
        return referrer, query

    def _products(self, person: Person | None, n: int) -> list[int]:
        taste = person.taste if person else None
        chosen = []
        for _ in range(n):
            if taste and self.rng.random() < 0.6:
                chosen.append(self.rng.choice(PRODUCTS_BY_CATEGORY[taste]))
            else:
                chosen.append(self.rng.randrange(len(PRODUCTS) - 1))  # not the gift card
        return chosen

    def _eligible_people(self) -> tuple[list[Person], list[float]]:
        people = [p for p in self.web.world.people if p.joined < self.start]
        weights = [p.activity * (LAPSED_INTEREST if p.lapses_at < self.start else 1.0) for p in people]
        return people, list(accumulate(weights))

    # ------------------------------------------------------------------ visits
    def events(self) -> list[PixelEvent]:
        web, rng = self.web, self.rng
        for order in web.orders.get(self.k, ()):
            self._purchase(order)
        for checkout in web.checkouts.get(self.k, ()):
            self._abandoned(checkout)
        people, reach = self._eligible_people()
        # The population setting, not the people so far: a past day's visits must not change as newcomers arrive.
        population = web.world.state.people
        if people:
            for _ in range(round(population * BROWSE_VISITS_PER_PERSON_DAY)):
                self._browse(people[bisect_left(reach, rng.random() * reach[-1])], people)
        returning = max(1, round(population * RETURNING_VISITORS_PER_PERSON))
        for i in range(round(population * VISITOR_VISITS_PER_PERSON_DAY)):
            kind, number = (RETURNING, rng.randrange(returning)) if rng.random() < 0.4 else (ONE_TIME, self.k << 20 | i)
            country = COUNTRIES[bisect_left(_COUNTRY_CUM, rng.random() * _COUNTRY_CUM[-1])].code
            self._visit(web_client_id(kind, number), None, country, None, self._local_moment(country))
        tablet_visits = max(TABLET_VISITS_PER_STORE_DAY, population * TABLET_VISITS_PER_PERSON_DAY)
        for store in STORES:
            for _ in range(rng.randrange(round(2 * tablet_visits) + 1)):
                self._tablet_visit(store.index)
        return self.out

    def _shopper(self, person: Person, at: int) -> Customer | None:
        """The person's web account at ``at`` (the first they opened), if any."""
        return next((r for r in self.web.shopify.get(person.pid, ()) if r.created < at), None)

    def _device(self, person: Person) -> str:
        return self.rng.choice(self.web.habits(person).devices).client

    def _browse(self, person: Person, people: list[Person]) -> None:
        at = self._local_moment(person.country)
        account = self._shopper(person, at)
        client = self._device(person)
        if account is not None and self.rng.random() < GUEST_SHARE:
            household = [p for p in self.web.households[person.household] if p.pid != person.pid and p.joined < at]
            others = household or [self.rng.choice(people)]
            client = self._device(self.rng.choice(others))  # logged in on a family member's (or friend's) device
            logged_in = account
        else:
            logged_in = account if account is not None and self.rng.random() < LOGGED_IN_SHARE else None
        self._visit(client, person, person.country, logged_in, at)

    def _tablet_visit(self, store: int) -> None:
        """A customer of the store looks up products on its tablet, logged in to their web account."""
        country = STORES[store].country
        at = self._local_moment(country)
        users = self.web.tablet_users.get(store, [])
        opened = bisect_left(users, (at,))
        if not opened:
            return
        person = users[self.rng.randrange(opened)][2]
        self._visit(self.web.tablet(store), person, country, self._shopper(person, at), at)

    def _visit(
        self,
        client: str,
        person: Person | None,
        country: str,
        account: Customer | None,
        at: int,
        cart: tuple[tuple[int, int], ...] = (),
        checkout: Checkout | None = None,
    ) -> None:
        """One visit from ``at``: landing page, views, a search maybe, the cart, and the checkout if there is one.
        A checkout's completion is at ``at`` plus the visit's length: callers with an order pass its moment minus
        that length (``_purchase``)."""
        rng = self.rng
        visit = self.visits
        self.visits += 1
        currency = COUNTRY_BY_CODE[country].currency
        referrer, query = self._channel()
        state = _VisitWriter(self, visit, client, person, currency, account, at)
        browsing = self._products(person, rng.randint(1, 4)) if not cart or rng.random() < 0.6 else []
        landing = rng.random()
        landed_on = None
        if landing < 0.45:
            state.page("/" + query, referrer)
        elif landing < 0.75 or not (browsing or cart):
            category = person.taste if person and person.taste and rng.random() < 0.7 else rng.choice(TASTES)
            state.collection(category, query, referrer)
        else:
            landed_on = (browsing or [cart[0][0]])[0]
            state.product(landed_on, query, referrer)
        if rng.random() < 0.25:
            term = rng.choice(PRODUCTS[(browsing or [cart[0][0]] if cart else browsing or [0])[0]].title.split())
            state.search(term.lower())
        for position, product in enumerate(browsing):
            if not (position == 0 and product == landed_on):
                state.product(product)
            if not cart and rng.random() < 0.12:
                state.add_to_cart(product, 1)
        for product, quantity in cart:
            if product not in browsing and product != landed_on:
                state.product(product)
            state.add_to_cart(product, quantity)
        if checkout is not None:
            state.checkout(checkout)

    def _purchase(self, order: Order) -> None:
        record = order.customer
        assert record is not None
        person = record.person
        client = self._device(person)
        if self.rng.random() < TABLET_PURCHASE_SHARE:
            client = self.web.tablet(person.home_store)
        checkout = Checkout(
            shopify_checkout_token(1 << 40 | order.seq),
            order.lines,
            order.currency,
            order.country,
            record.email,
            shopify_customer_id(record.seq),
            order,
            None if order.delivery is None else (order.delivery, delivery.title(order)),
        )
        logged_in = record if self.rng.random() < LOGGED_IN_BUYER_SHARE else None
        length = 60 * self.rng.randint(4, 40)
        self._visit(client, person, order.country, logged_in, order.created - length, order.lines, checkout)

    def _abandoned(self, cart: Order) -> None:
        record = cart.customer
        assert record is not None
        checkout = Checkout(
            shopify_checkout_token(cart.seq), cart.lines, cart.currency, cart.country, record.email, None, None, None
        )
        logged_in = record if self.rng.random() < 0.5 else None
        length = 60 * self.rng.randint(3, 30)
        self._visit(
            self._device(record.person),
            record.person,
            cart.country,
            logged_in,
            cart.created - length,
            cart.lines,
            checkout,
        )


class _VisitWriter:
    """Appends one visit's events, each some seconds after the last; the checkout ends on its order's moment."""

    def __init__(
        self,
        day: _Day,
        visit: int,
        client: str,
        person: Person | None,
        currency: str,
        account: Customer | None,
        at: int,
    ) -> None:
        self.day, self.visit, self.client, self.person, self.currency = day, visit, client, person, currency
        self.customer_id = shopify_customer_id(account.seq) if account is not None else None
        self.ts = at
        self.seq = 0

    def _emit(self, name: str, path: str, referrer: str | None, detail: tuple, gap: tuple[int, int] = (8, 90)) -> None:
        if self.seq >= MAX_EVENTS_PER_VISIT:
            return
        if self.seq:
            self.ts += self.day.rng.randint(*gap)
        number = self.day.k << 26 | self.visit << 8 | self.seq
        person = self.person.pid if self.person else None
        self.day.out.append(
            PixelEvent(
                self.ts,
                number,
                self.seq,
                self.client,
                name,
                path,
                referrer,
                self.currency,
                self.customer_id,
                detail,
                person,
            )
        )
        self.seq += 1

    def page(self, path: str, referrer: str | None = None) -> None:
        self._emit("page_viewed", path, referrer, ())

    def collection(self, category: str, query: str = "", referrer: str | None = None) -> None:
        path = f"/collections/{category}"
        self.page(path + query, referrer)
        self._emit("collection_viewed", path + query, referrer, (category,), (1, 3))

    def product(self, product: int, query: str = "", referrer: str | None = None) -> None:
        path = f"/products/{handle(product)}{query}"
        self.page(path, referrer)
        self._emit("product_viewed", path, referrer, (product,), (1, 3))

    def search(self, term: str) -> None:
        results = tuple(p.index for p in PRODUCTS if term in p.title.lower())[:4]
        path = f"/search?q={term}"
        self.page(path)
        self._emit("search_submitted", path, None, (term, results), (1, 3))

    def add_to_cart(self, product: int, quantity: int) -> None:
        self._emit("product_added_to_cart", f"/products/{handle(product)}", None, (product, quantity), (5, 40))

    def checkout(self, checkout: Checkout) -> None:
        path = f"/checkouts/cn/{checkout.token}"
        self._emit("checkout_started", path, None, (checkout._replace(customer_id=None, order=None, delivery=None),))
        if checkout.order is not None:
            # The order's own moment: the visit was laid out to end there; a fast visit waits for it.
            self.ts = max(self.ts, checkout.order.created - 1)
            self._emit("checkout_completed", path + "/thank_you", None, (checkout,), (1, 1))


def handle(product: int) -> str:
    """A product's storefront handle, as in its URL."""
    return PRODUCTS[product].title.lower().replace(" ", "-").replace("%", "")


def utc_date(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()
