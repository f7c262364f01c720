"""Deterministic generation of the simulated world.

The world at simulated day D is a pure function of (seed, people, D): the base population and
two years of history come from ``Random(f"{seed}:base")``, then each day d = 1..D is applied with
``Random(f"{seed}:day:{d}")``. Everything a day brings happens inside that day's window
``[now(d-1), now(d))``, so what is visible at day D stays the same at day D+1. HubSpot's advertising
consent has streams of its own (``{seed}:ads`` and ``{seed}:ads:day:{d}``): it came after the rest,
and drawing it from the main streams would have changed every other field of the population. So do
the customers' buying lives (``{seed}:lapse``, ``{seed}:lapse:day:{d}``) and random purchases
(``{seed}:purchases``, ``{seed}:purchases:day:{d}``): both only move, drop, fill or replace orders once
the main stream has drawn them.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta
from itertools import accumulate

from .campaigns import EFFECT_DAYS, Send
from .catalog import (
    COMPLEMENTS,
    COUNTRIES,
    COUNTRY_BY_CODE,
    PRODUCTS,
    PRODUCTS_BY_CATEGORY,
    SPORTSWEAR,
    STORES,
    STORES_BY_COUNTRY,
    TASTES,
    utc_offsets,
)
from .config import DAY_SECONDS, EPOCH_START, HISTORY_DAYS, now_ts
from .delivery import add_delivery
from .feedback import add_feedback
from .homes import Homes, typed_street
from .ids import customer_record_id
from .loyalty import add_loyalty
from .malformed import assign_defects
from .mess import PLACEHOLDER_EMAILS, PLACEHOLDER_PHONES, messy_email, messy_name, phone_formats, strip_accents
from .model import SYSTEMS, Customer, EmailEvent, Order, Person, Ticket, World
from .planted import PlantedChange
from .pools import country_pools
from .state import SimState

BASE_DATE = date(2024, 6, 1)
SQUARE_ORDERS_PER_RECORD = 10.0  # over the full two years, before scaling by the record's age
SHOPIFY_ORDERS_PER_RECORD = 6.5
ANONYMOUS_SHARE = 0.22
CHECKOUTS_PER_RECORD = 1.2
TICKETS_PER_CONTACT = 0.3
CAMPAIGN_EVERY_DAYS = 3
EMAIL_HISTORY_DAYS = 30
CAMPAIGN_REACH = 0.25
# Advertising consent of HubSpot contacts: a minority granted, some explicitly refused, most never asked.
ADS_GRANTED_SHARE = 0.25
ADS_REFUSED_SHARE = 0.15
ADS_CHANGES_PER_CONTACT_DAY = 0.004  # contacts granting or withdrawing it on a simulated day
PRODUCT_CUM = tuple(accumulate(3.0 if p.category == "sportswear" else 1.0 for p in PRODUCTS))
PRODUCT_INDEXES = tuple(range(len(PRODUCTS)))
# Customers lapse: a buying life, counted from their first contact or the start of history, is exponential (as in
# the Pareto/NBD model); the orders drawn after it move into it, so a lapsing customer buys as much, sooner.
MEAN_BUYING_LIFE_DAYS = 1500
TASTE_SHARE = 0.4  # order lines a customer takes from the category they favour
COMPLEMENT_SHARE = 0.35  # lines whose complement (catalog.COMPLEMENTS) joins the order
CLICK_URLS = ("https://shop.example.com/sale", "https://shop.example.com/new", "https://shop.example.com/sport")

_MOBILE_PREFIXES = {
    "ID": ("811", "812", "813", "821", "822", "852", "853", "857", "878", "877", "896", "895", "838", "831"),
    "VN": ("90", "91", "93", "94", "96", "97", "98", "32", "33", "35", "37", "39", "70", "77", "79", "86", "88"),
    "PL": ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"),
    "US": ("212", "646", "718", "917", "310", "213", "323", "415", "617", "312", "713", "305", "206", "404"),
}
_NSN_LENGTH = {"ID": 11, "VN": 9, "PL": 9, "US": 10}
_COUNTRY_CUM = tuple(accumulate(c.share for c in COUNTRIES))


def _season_weight(k: int) -> float:
    """Relative sales volume of absolute day ``k``: trend, weekends, year-end, shopping festivals."""
    day = BASE_DATE + timedelta(days=k)
    weight = 0.8 + 0.4 * k / HISTORY_DAYS
    if day.weekday() >= 5:
        weight *= 1.3
    if day.month == 12 and day.day <= 24:
        weight *= 1.6
    if day.month == 11 and 24 <= day.day <= 30:
        weight *= 2.0
    if (day.month, day.day) in ((11, 11), (12, 12), (9, 9)):
        weight *= 2.5
    if day.month in (1, 2):
        weight *= 0.85
    return weight


def _mobile(rng: random.Random, country: str) -> str:
    prefix = rng.choice(_MOBILE_PREFIXES[country])
    rest = _NSN_LENGTH[country] - len(prefix)
    if country == "US":
        exchange = str(rng.randrange(201, 999))
        while exchange == "555" or exchange[1:] == "11":
            exchange = str(rng.randrange(201, 999))
        return prefix + exchange + f"{rng.randrange(10_000):04d}"
    return prefix + "".join(str(rng.randrange(10)) for _ in range(rest))


class _Builder:
    """Holds the world while it is being built; one instance per generation."""

    def __init__(
        self,
        state: SimState,
        planted: tuple[PlantedChange, ...] = (),
        random_purchases: bool = False,
        sends: tuple[Send, ...] = (),
        effects: dict[str, float] | None = None,
    ) -> None:
        self.state = state
        self.sends = [send for send in sends if (effects or {}).get(send.tag, 0) > 0]
        self.effects = effects or {}
        self.planted = planted
        self.random_purchases = random_purchases
        self.pools = country_pools(state.seed)
        self.days = HISTORY_DAYS + state.day + 1
        self.offsets = {
            tz: utc_offsets(tz, self.days) for tz in {c.timezone for c in COUNTRIES} | {s.timezone for s in STORES}
        }
        self.season = [_season_weight(k) for k in range(self.days)]
        self.season_cum = list(accumulate(self.season))
        self.mean_season = sum(self.season[:HISTORY_DAYS]) / HISTORY_DAYS
        self.people: list[Person] = []
        self.customers: dict[str, list[Customer]] = {s: [] for s in SYSTEMS}
        self.orders: dict[str, list[Order]] = {"shopify": [], "square": []}
        self.checkouts: list[Order] = []
        self.tickets: list[Ticket] = []
        self.events: list[EmailEvent] = []
        self.used_emails: set[str] = set()
        self.homes = Homes(state.seed)
        self.campaigns = 0

    # ----------------------------------------------------------------- people
    def _email(self, rng: random.Random, first: str, last: str, country: str) -> str:
        f = strip_accents(first.split(" ")[-1]).lower().replace("'", "")
        la = strip_accents(last).lower().replace(" ", "").replace("'", "")
        pattern = rng.randrange(5)
        local = (
            f"{f}.{la}",
            f"{f}{la}{rng.randrange(70, 100)}",
            f"{f[0]}{la}",
            f"{la}.{f}{rng.randrange(1, 99)}",
            f"{f}_{la[:3]}{rng.randrange(100, 999)}",
        )[pattern]
        domain = rng.choice(COUNTRY_BY_CODE[country].mail_domains)
        email = f"{local}@{domain}"
        while email in self.used_emails:
            email = f"{local}{rng.randrange(10, 9999)}@{domain}"
        self.used_emails.add(email)
        return email

    def _person(self, rng: random.Random, joined: int) -> Person:
        r = rng.random() * _COUNTRY_CUM[-1]
        country = COUNTRIES[bisect_left(_COUNTRY_CUM, r)].code
        pool = self.pools[country]
        female = rng.random() < 0.52
        first = rng.choice(pool.female if female else pool.male)
        last = rng.choice(pool.last)
        address = rng.choice(pool.addresses)
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        pid = len(self.people)
        email = self._email(rng, first, last, country)
        person = Person(
            pid=pid,
            household=pid,
            country=country,
            female=female,
            first=first,
            last=last,
            birthday=born.isoformat(),
            email=email,
            old_email=self._email(rng, first, last, country) if rng.random() < 0.12 else None,
            family_email=None,
            phone=_mobile(rng, country),
            household_phone=None,
            street=address.street,
            street2=rng.choice(pool.street2) if rng.random() < 0.15 else None,
            city=address.city,
            province=address.province,
            zip=address.zip,
            joined=joined,
            activity=rng.expovariate(1.0),
            sporty=rng.random() < 0.3,
            home_store=rng.choice(STORES_BY_COUNTRY[country]).index,
        )
        self.people.append(person)
        return person

    def _households(self, rng: random.Random) -> None:
        """Group some neighbours (in generation order) into households of 2-4 sharing an address."""
        i, people = 0, self.people
        while i < len(people) - 4:
            if rng.random() >= 0.12:
                i += 1
                continue
            head = people[i]
            members = [p for p in people[i + 1 : i + rng.randint(2, 4)] if p.country == head.country]
            family_email = (
                f"{strip_accents(head.last).lower().replace(' ', '')}.family{rng.randrange(10, 99)}@"
                + rng.choice(COUNTRY_BY_CODE[head.country].mail_domains)
            )
            share_email = rng.random() < 0.3
            for member in [head, *members]:
                member.household = head.pid
                member.street, member.street2 = head.street, head.street2
                member.city, member.province, member.zip = head.city, head.province, head.zip
                member.household_phone = head.phone
                if rng.random() < 0.7:
                    member.last = head.last
                if share_email:
                    member.family_email = family_email
            i += 1 + len(members)

    # ---------------------------------------------------------------- records
    def _customer(self, rng: random.Random, system: str, person: Person, created: int, updated: int) -> Customer:
        """The record ``system`` holds about ``person``, with that system's typical mess."""
        country = COUNTRY_BY_CODE[person.country]
        r = rng.random
        sloppy = {"square": 2.0, "shopify": 0.7, "hubspot": 1.0}[system]
        first, last = messy_name(rng, person.first, person.last, sloppy)
        email: str | None = person.old_email if person.old_email and r() < 0.5 else person.email
        if person.family_email and r() < 0.5:
            email = person.family_email
        email = messy_email(rng, email)
        nsn = person.household_phone if person.household_phone and r() < 0.5 else person.phone
        phone: str | None = rng.choice(phone_formats(country.calling_code, nsn))
        birthday: str | None = person.birthday
        has_address = r() < {"square": 0.35, "shopify": 0.8, "hubspot": 0.5}[system]
        if system == "square":
            if r() < 0.15:
                email = None
            elif r() < 0.06:
                email = rng.choice(PLACEHOLDER_EMAILS)
            if r() < 0.05:
                phone = rng.choice(PLACEHOLDER_PHONES)
            elif r() < 0.1:
                phone = None
            birthday = birthday if r() < 0.4 else None
        elif system == "shopify":
            phone = f"+{country.calling_code}{nsn}" if r() < 0.5 else None
            birthday = None
        else:
            phone = phone if r() < 0.6 else None
            birthday = birthday if r() < 0.5 else None
            if r() < 0.05:
                email = None
        return Customer(
            system=system,
            seq=-1,
            person=person,
            first=first,
            last=last,
            email=email,
            phone=phone,
            birthday=birthday,
            street=typed_street(self.state.seed, system, person) if has_address else None,
            street2=person.street2 if has_address else None,
            city=person.city if has_address or r() < 0.3 else None,
            province=person.province if has_address else None,
            zip=person.zip if has_address else None,
            country=person.country,
            created=created,
            updated=updated,
            subscribed=r() < {"square": 0.8, "shopify": 0.6, "hubspot": 0.85}[system],
            consent_updated=created,
        )

    def _enrol(self, rng: random.Random, person: Person, latest: int) -> list[Customer]:
        """Records of ``person`` in one, two or three systems (sometimes twice in one)."""
        systems = [s for s, p in (("square", 0.7), ("shopify", 0.5), ("hubspot", 0.6)) if rng.random() < p]
        if not systems:
            systems = [rng.choice(SYSTEMS)]
        if rng.random() < 0.03:
            systems.append(rng.choice(systems))
        records = []
        for system in systems:
            span = max(1, min(60 * DAY_SECONDS, latest - person.joined))
            created = person.joined + rng.randrange(span)
            updated = created if rng.random() < 0.5 else created + rng.randrange(max(1, latest - created))
            records.append(self._customer(rng, system, person, created, updated))
        return records

    def _register(self, records: list[Customer]) -> None:
        """Give new records their sequence numbers in creation order and store them."""
        for record in sorted(records, key=lambda c: (c.created, c.person.pid, c.system)):
            bucket = self.customers[record.system]
            record.seq = len(bucket)
            bucket.append(record)

    # ----------------------------------------------------------------- orders
    def _time_in_day(self, rng: random.Random, k: int, timezone: str, opening: tuple[int, int]) -> int:
        """A moment of absolute day ``k`` whose local hour in ``timezone`` lies in ``opening``."""
        start = EPOCH_START + k * DAY_SECONDS
        offset = self.offsets[timezone][k]
        low, high = opening
        for _ in range(4):
            ts = start + rng.randrange(DAY_SECONDS)
            if low <= ((ts + offset) % DAY_SECONDS) // 3600 < high:
                return ts
        return ts

    def _day_between(self, rng: random.Random, k_lo: int, k_hi: int) -> int:
        """An absolute day in [k_lo, k_hi), weighted by seasonality."""
        lo = self.season_cum[k_lo - 1] if k_lo > 0 else 0.0
        u = lo + rng.random() * (self.season_cum[k_hi - 1] - lo)
        return min(bisect_left(self.season_cum, u), k_hi - 1)

    def _order(
        self, rng: random.Random, customer: Customer | None, person: Person | None, k: int, web: bool, country: str
    ) -> Order:
        if web:
            timezone, store = COUNTRY_BY_CODE[country].timezone, -1
            created = self._time_in_day(rng, k, timezone, (7, 24))
        else:
            store = (
                person.home_store if person and rng.random() < 0.85 else rng.choice(STORES_BY_COUNTRY[country]).index
            )
            created = self._time_in_day(rng, k, STORES[store].timezone, (10, 22))
        day_end = EPOCH_START + (k + 1) * DAY_SECONDS
        n_lines = rng.choices((1, 2, 3, 4), cum_weights=(50, 80, 93, 100))[0]
        lines = []
        for _ in range(n_lines):
            product = (
                rng.choice(SPORTSWEAR)
                if person and person.sporty and rng.random() < 0.6
                else (rng.choices(PRODUCT_INDEXES, cum_weights=PRODUCT_CUM)[0])
            )
            lines.append((product, rng.choices((1, 2, 3), cum_weights=(85, 97, 100))[0]))
        cancelled = rng.random() < 0.03
        updated = (
            rng.randrange(created, day_end) if web or cancelled else min(created + rng.randrange(1, 90), day_end - 1)
        )
        return Order(
            seq=-1,
            customer=customer,
            store=store,
            country=country,
            currency=COUNTRY_BY_CODE[country].currency,
            created=created,
            updated=updated,
            cancelled=cancelled,
            lines=tuple(lines),
            discount_pct=rng.choice((10, 15, 20)) if rng.random() < 0.12 else 0,
            tender=rng.choices((0, 1, 2), cum_weights=(60, 85, 100))[0],
        )

    def _history_orders(self, rng: random.Random, record: Customer, per_record: float, web: bool) -> list[Order]:
        person, k_lo = record.person, max(0, (record.created - EPOCH_START) // DAY_SECONDS + 1)
        if k_lo >= HISTORY_DAYS:
            return []
        fraction = (HISTORY_DAYS - k_lo) / HISTORY_DAYS
        count = int(per_record * person.activity * fraction + rng.random())
        days = [self._day_between(rng, k_lo, HISTORY_DAYS) for _ in range(count)]
        if rng.random() < 0.3:  # a birthday treat
            born = date.fromisoformat(person.birthday)
            for year in (2024, 2025, 2026):
                try:
                    k = (date(year, born.month, born.day) - BASE_DATE).days - rng.randrange(7)
                except ValueError:  # 29 February
                    continue
                if k_lo <= k < HISTORY_DAYS:
                    days.append(k)
        return [self._order(rng, record, person, k, web, person.country) for k in days]

    def _anonymous_sale(self, rng: random.Random, k: int) -> Order:
        r = rng.random() * _COUNTRY_CUM[-1]
        country = COUNTRIES[bisect_left(_COUNTRY_CUM, r)].code
        return self._order(rng, None, None, k, False, country)

    @staticmethod
    def _sequence(bucket: list[Order], new: list[Order]) -> None:
        new.sort(key=lambda o: o.created)
        for order in new:
            order.seq = len(bucket)
            bucket.append(order)

    # ------------------------------------------------------------ CRM, email
    def _ticket(self, rng: random.Random, contact: Customer, created: int, day_end: int) -> Ticket:
        ticket = Ticket(
            seq=len(self.tickets),
            contact=contact,
            topic=rng.randrange(8),
            priority=rng.randrange(3),
            stage=rng.randrange(4),
            created=created,
            updated=rng.randrange(created, day_end),
        )
        self.tickets.append(ticket)
        return ticket

    def _campaign(self, rng: random.Random, k: int) -> None:
        """One email campaign sent on absolute day ``k`` with its deliveries, opens, clicks, unsubscribes."""
        self.campaigns += 1
        campaign = 4_100_000 + self.campaigns
        start = EPOCH_START + k * DAY_SECONDS + 3600
        day_end = EPOCH_START + (k + 1) * DAY_SECONDS
        raw: list[tuple[int, str, str, str | None]] = []
        for contact in self.customers["hubspot"]:
            if (
                contact.created >= start
                or not contact.email
                or not contact.subscribed
                or rng.random() >= CAMPAIGN_REACH
            ):
                continue
            email = contact.email
            sent = start + rng.randrange(600)
            raw.append((sent, "SENT", email, None))
            if "@" not in email or email in PLACEHOLDER_EMAILS or rng.random() < 0.02:
                raw.append((sent + 30, "BOUNCE", email, None))
                continue
            raw.append((sent + rng.randrange(5, 60), "DELIVERED", email, None))
            if rng.random() >= 0.3:
                continue
            opened = rng.randrange(sent + 60, day_end - 3600)
            raw.append((opened, "OPEN", email, None))
            if rng.random() < 0.3:
                raw.append((opened + rng.randrange(5, 600), "CLICK", email, rng.choice(CLICK_URLS)))
            if rng.random() < 0.02:
                changed = opened + rng.randrange(30, 900)
                raw.append((changed, "STATUSCHANGE", email, "UNSUBSCRIBED"))
                self._set_consent(contact, False, changed)
                contact.updated = max(contact.updated, changed)
                contact.version += 1
        self._add_events(raw, campaign)

    def _add_events(self, raw: list[tuple[int, str, str, str | None]], campaign: int) -> None:
        raw.sort()
        for ts, kind, email, detail in raw:
            self.events.append(EmailEvent(ts * 1000, len(self.events), kind, email, campaign, detail))

    # ------------------------------------------------------------------ build
    def base(self) -> None:
        """The population at day 0 and two years of history."""
        rng = random.Random(f"{self.state.seed}:base")
        now0 = now_ts(0)
        for _ in range(self.state.people):
            joined = EPOCH_START - 2 * 365 * DAY_SECONDS + rng.randrange(4 * 365 * DAY_SECONDS)
            self._person(rng, min(joined, now0 - DAY_SECONDS))
        self._households(rng)
        self.homes.settle(self.people)
        records = [r for person in self.people for r in self._enrol(rng, person, now0)]
        self._register(records)
        self._habits(random.Random(f"{self.state.seed}:lapse"), self.people)
        sales: dict[str, list[Order]] = {}
        for system, per_record, web in (
            ("square", SQUARE_ORDERS_PER_RECORD, False),
            ("shopify", SHOPIFY_ORDERS_PER_RECORD, True),
        ):
            new = [o for rec in self.customers[system] for o in self._history_orders(rng, rec, per_record, web)]
            if system == "square":
                n_anonymous = int(len(new) * ANONYMOUS_SHARE)
                new += [self._anonymous_sale(rng, self._day_between(rng, 0, HISTORY_DAYS)) for _ in range(n_anonymous)]
            sales[system] = new
        for system, new in self._settle(sales, random.Random(f"{self.state.seed}:purchases")).items():
            self._sequence(self.orders[system], new)
        checkouts = []
        for rec in self.customers["shopify"]:
            k_lo = max(0, (rec.created - EPOCH_START) // DAY_SECONDS + 1)
            if k_lo < HISTORY_DAYS:
                for _ in range(int(CHECKOUTS_PER_RECORD * rec.person.activity + rng.random())):
                    k = self._day_between(rng, k_lo, HISTORY_DAYS)
                    checkouts.append(self._order(rng, rec, rec.person, k, True, rec.person.country))
        self._sequence(self.checkouts, checkouts)
        tickets = []
        for contact in self.customers["hubspot"]:
            k_lo = max(0, (contact.created - EPOCH_START) // DAY_SECONDS + 1)
            if k_lo < HISTORY_DAYS and rng.random() < TICKETS_PER_CONTACT:
                start = EPOCH_START + self._day_between(rng, k_lo, HISTORY_DAYS) * DAY_SECONDS
                tickets.append((start + rng.randrange(DAY_SECONDS // 2), contact, start + DAY_SECONDS))
        for created, contact, day_end in sorted(tickets, key=lambda t: (t[0], t[1].seq)):
            self._ticket(rng, contact, created, day_end)
        for k in range(HISTORY_DAYS - EMAIL_HISTORY_DAYS, HISTORY_DAYS, CAMPAIGN_EVERY_DAYS):
            self._campaign(rng, k)
        self._initial_ads_consent(random.Random(f"{self.state.seed}:ads"), self.customers["hubspot"])

    def day(self, d: int) -> None:
        """What simulated day ``d`` brings: sign-ups, orders, carts, emails, edits, consent changes."""
        rng = random.Random(f"{self.state.seed}:day:{d}")
        k = HISTORY_DAYS + d - 1
        start, end = EPOCH_START + k * DAY_SECONDS, EPOCH_START + (k + 1) * DAY_SECONDS
        scale = self.state.people * self.season[k] / self.mean_season
        # New customers.
        newcomers = [
            self._person(rng, start + rng.randrange(DAY_SECONDS // 2))
            for _ in range(max(1, round(scale * 0.002 * (0.5 + rng.random()))))
        ]
        self.homes.settle(newcomers)
        self._register([r for p in newcomers for r in self._enrol(rng, p, end)])
        self._habits(random.Random(f"{self.state.seed}:lapse:day:{d}"), newcomers)
        # Orders, anonymous sales and abandoned carts.
        sales: dict[str, list[Order]] = {}
        for system, per_person, web in (("square", 5.0, False), ("shopify", 2.5, True)):
            records = self.customers[system]
            new = []
            for _ in range(round(scale * per_person / HISTORY_DAYS * (0.8 + 0.4 * rng.random()))):
                record = rng.choice(records)
                if record.created < start:
                    new.append(self._order(rng, record, record.person, k, web, record.person.country))
            if system == "square":
                new += [self._anonymous_sale(rng, k) for _ in range(int(len(new) * ANONYMOUS_SHARE))]
            sales[system] = new
        settled = self._settle(sales, random.Random(f"{self.state.seed}:purchases:day:{d}"), k)
        for system, extra in self._campaign_orders(d, k).items():
            settled[system] = settled[system] + extra
        for system, new in settled.items():
            self._sequence(self.orders[system], new)
        carts = []
        for _ in range(round(scale * 0.6 / HISTORY_DAYS)):
            record = rng.choice(self.customers["shopify"])
            if record.created < start:
                carts.append(self._order(rng, record, record.person, k, True, record.person.country))
        self._sequence(self.checkouts, carts)
        # Profile edits and consent changes.
        for _ in range(max(1, round(self.state.people * 0.004))):
            self._edit(rng, rng.choice(self.customers[rng.choice(SYSTEMS)]), start, end)
        consent_events = []
        for _ in range(max(1, round(self.state.people * 0.0015))):
            record = rng.choice(self.customers[rng.choice(SYSTEMS)])
            if record.created >= start:
                continue
            ts = rng.randrange(start, end)
            self._set_consent(record, not record.subscribed, ts)
            record.updated = ts
            record.version += 1
            if record.system == "hubspot" and record.email:
                consent_events.append(
                    (ts, "STATUSCHANGE", record.email, "SUBSCRIBED" if record.subscribed else "UNSUBSCRIBED")
                )
        consent_events += self._apply_planted(d, start, end)
        self._add_events(consent_events, 0)
        # Tickets and email campaigns.
        contacts = self.customers["hubspot"]
        for _ in range(round(self.state.people * 0.001 * (0.5 + rng.random()))):
            contact = rng.choice(contacts)
            if contact.created < start:
                self._ticket(rng, contact, rng.randrange(start, start + DAY_SECONDS // 2), end)
        if d % CAMPAIGN_EVERY_DAYS == 0:
            self._campaign(rng, k)
        self._ads_consent_day(d, start, end)

    # ------------------------------------------------------------- purchases
    @staticmethod
    def _habits(lapse: random.Random, people: list[Person]) -> None:
        """Each person's buying life and the category they favour."""
        for person in people:
            life = lapse.expovariate(1 / MEAN_BUYING_LIFE_DAYS) * DAY_SECONDS
            person.lapses_at = max(person.joined, EPOCH_START) + life
            person.taste = lapse.choice(TASTES)

    def _settle(
        self, sales: dict[str, list[Order]], rng: random.Random, day: int | None = None
    ) -> dict[str, list[Order]]:
        """The sales drawn, settled by the customers' habits. In history (``day`` None) the orders of customers who
        had lapsed by then move to a day of their buying life (dropped when there is none); the customers' orders of
        absolute day ``day`` go to customers who are still buying, drawn by how much they buy, as history's are. Then
        lines to the customer's taste and their complements. With random purchases, see ``_randomised``."""
        if self.random_purchases:
            return self._randomised(sales, rng)
        settled = {
            system: [kept for o in orders if (kept := self._within_life(rng, o))]
            if day is None
            else self._habitual(rng, system, orders, day)
            for system, orders in sales.items()
        }
        for order in (o for orders in settled.values() for o in orders):
            self._fill(rng, order)
        return settled

    def _habitual(self, rng: random.Random, system: str, orders: list[Order], k: int) -> list[Order]:
        start, end = EPOCH_START + k * DAY_SECONDS, EPOCH_START + (k + 1) * DAY_SECONDS
        buying = [r for r in self.customers[system] if r.created < start and r.person.lapses_at >= end]
        reach = list(accumulate(r.person.activity for r in buying))
        settled = [o for o in orders if o.customer is None]
        for _ in range(len(orders) - len(settled) if buying else 0):
            record = buying[bisect_left(reach, rng.random() * reach[-1])]
            settled.append(self._order(rng, record, record.person, k, system == "shopify", record.person.country))
        return settled

    def _randomised(self, sales: dict[str, list[Order]], rng: random.Random) -> dict[str, list[Order]]:
        """Every customer's order replaced by one of a person drawn uniformly from those who could buy that day,
        with random products and store: who buys, when and what carry no signal (the refusal test of the
        predictions)."""
        records: dict[int, list[Customer]] = defaultdict(list)
        for system in sales:
            for record in self.customers[system]:
                records[record.person.pid].append(record)
        buyers = sorted(records.values(), key=lambda rs: (min(r.created for r in rs), rs[0].person.pid))
        since = [min(r.created for r in rs) for rs in buyers]
        settled: dict[str, list[Order]] = {
            system: [o for o in orders if o.customer is None] for system, orders in sales.items()
        }
        for order in (o for orders in sales.values() for o in orders if o.customer is not None):
            k = (order.created - EPOCH_START) // DAY_SECONDS
            start = EPOCH_START + k * DAY_SECONDS
            record = rng.choice([r for r in buyers[rng.randrange(bisect_left(since, start))] if r.created < start])
            web = record.system == "shopify"
            settled[record.system].append(self._order(rng, record, None, k, web, record.person.country))
        return settled

    @staticmethod
    def _fill(rng: random.Random, order: Order) -> None:
        """Lines to the customer's taste, then the complements that go with them."""
        taste = order.customer.person.taste if order.customer else None
        lines = []
        for product, quantity in order.lines:
            if taste and rng.random() < TASTE_SHARE:
                product = rng.choice(PRODUCTS_BY_CATEGORY[taste])
            lines.append((product, quantity))
        for product, _ in list(lines):
            complement = COMPLEMENTS.get(product)
            if complement is not None and rng.random() < COMPLEMENT_SHARE and all(p != complement for p, _ in lines):
                lines.append((complement, 1))
        order.lines = tuple(lines)

    def _within_life(self, rng: random.Random, order: Order) -> Order | None:
        record = order.customer
        if record is None or order.created < record.person.lapses_at:
            return order
        k_lo = max(0, (record.created - EPOCH_START) // DAY_SECONDS + 1)
        k_hi = min(HISTORY_DAYS, int((record.person.lapses_at - EPOCH_START) // DAY_SECONDS))
        if k_lo >= k_hi:
            return None
        web = record.system == "shopify"
        return self._order(rng, record, record.person, self._day_between(rng, k_lo, k_hi), web, record.person.country)

    def _campaign_orders(self, d: int, k: int) -> dict[str, list[Order]]:
        """The orders day ``d`` gets from the emails of earlier days (campaigns.py): each emailed person buys once
        more with the segment's extra probability, on a day drawn within EFFECT_DAYS after the email."""
        extra: dict[str, list[Order]] = {"square": [], "shopify": []}
        due = [send for send in self.sends if send.day < d <= send.day + EFFECT_DAYS]
        if not due:
            return extra
        start = EPOCH_START + k * DAY_SECONDS
        holders: dict[str, Person] = {}
        for system in SYSTEMS:
            for record in self.customers[system]:
                if record.email and record.created < start:
                    email = record.email.strip().lower()
                    if email not in holders or record.person.pid < holders[email].pid:
                        holders[email] = record.person
        records: dict[int, list[Customer]] = defaultdict(list)
        for system in ("square", "shopify"):
            for record in self.customers[system]:
                if record.created < start:
                    records[record.person.pid].append(record)
        for send in due:
            rng = random.Random(f"{self.state.seed}:effect:{send.tag}:{send.email}:{send.day}")
            if rng.random() >= self.effects[send.tag] or send.day + 1 + rng.randrange(EFFECT_DAYS) != d:
                continue
            person = holders.get(send.email)
            buying = records.get(person.pid, []) if person else []
            if not buying:
                continue
            record = min(buying, key=lambda r: (r.system != "square", r.seq))
            web = record.system == "shopify"
            extra[record.system].append(self._order(rng, record, person, k, web, person.country))
        return extra

    # ------------------------------------------------------- advertising consent
    @staticmethod
    def _initial_ads_consent(ads: random.Random, contacts: list[Customer]) -> None:
        for contact in contacts:
            r = ads.random()
            contact.ads_consent = (
                True if r < ADS_GRANTED_SHARE else False if r < ADS_GRANTED_SHARE + ADS_REFUSED_SHARE else None
            )
            # Set when the contact was created (as a form or an import sets a portal's property).
            contact.ads_consent_history = (
                [] if contact.ads_consent is None else [(contact.created, contact.ads_consent)]
            )

    def _ads_consent_day(self, d: int, start: int, end: int) -> None:
        """The day's new contacts' advertising consent, and older contacts granting or withdrawing it."""
        ads = random.Random(f"{self.state.seed}:ads:day:{d}")
        contacts = self.customers["hubspot"]
        self._initial_ads_consent(ads, [c for c in contacts if c.created >= start])
        older = [c for c in contacts if c.created < start]
        for _ in range(max(1, round(len(older) * ADS_CHANGES_PER_CONTACT_DAY)) if older else 0):
            contact = ads.choice(older)
            contact.ads_consent = not contact.ads_consent  # never set or refused: granted; granted: withdrawn
            changed_at = ads.randrange(start, end)
            contact.ads_consent_history.append((changed_at, contact.ads_consent))
            # max: a profile edit of the same day may already have moved the contact later
            contact.updated = max(contact.updated, changed_at)
            contact.version += 1

    @staticmethod
    def _set_consent(record: Customer, subscribed: bool, ts: int) -> None:
        record.subscribed, record.consent_updated = subscribed, ts
        record.consent_changes.append(ts)

    def _apply_planted(self, d: int, start: int, end: int) -> list[tuple[int, str, str, str | None]]:
        """Day ``d``'s planted changes (``planted.py``); returns the email events they bring."""
        events: list[tuple[int, str, str, str | None]] = []
        for change in (c for c in self.planted if c.day == d):
            if not start <= change.at < end:
                raise ValueError(f"planted change {change} is not within simulated day {d}")
            record = next(
                (r for r in self.customers[change.system] if customer_record_id(r.system, r.seq) == change.record_id),
                None,
            )
            if record is None:
                raise ValueError(f"planted change {change}: no such {change.system} record")
            if change.change == "edit_address":
                # A second address line: a real edit that leaves what identity resolution compares as it was.
                record.street2 = "Unit 2 (planted edit)"
            else:
                self._set_consent(record, change.change == "subscribe", change.at)
                if record.system == "hubspot" and record.email:
                    status = "SUBSCRIBED" if record.subscribed else "UNSUBSCRIBED"
                    events.append((change.at, "STATUSCHANGE", record.email, status))
            record.updated = max(record.updated, change.at)
            record.version += 1
        return events

    def _edit(self, rng: random.Random, record: Customer, start: int, end: int) -> None:
        """A profile edit: new phone, a move, a new email or a new family name."""
        if record.created >= start:
            return
        person, country = record.person, COUNTRY_BY_CODE[record.country]
        kind = rng.randrange(4)
        if kind == 0:
            record.phone = rng.choice(phone_formats(country.calling_code, person.phone))
            if record.system == "shopify":
                record.phone = f"+{country.calling_code}{person.phone}"
        elif kind == 1:
            address = rng.choice(self.pools[record.country].addresses)
            street = self.homes.free_line(
                record.country,
                address.street,
                address.zip,
                person.household,
                f"move:{record.system}:{record.seq}:{record.version}",
            )
            record.street, record.city, record.province, record.zip = (
                street,
                address.city,
                address.province,
                address.zip,
            )
        elif kind == 2:
            record.email = person.email
        else:
            record.first, record.last = messy_name(rng, person.first, person.last, 0.5)
        record.updated = rng.randrange(start, end)
        record.version += 1

    def world(self, malformed_rate: float, opt_in: frozenset[str]) -> World:
        world = World(
            state=self.state,
            now=now_ts(self.state.day),
            people=self.people,
            customers=self.customers,
            orders=self.orders,
            checkouts=self.checkouts,
            tickets=self.tickets,
            email_events=self.events,
        )
        assign_defects(world, malformed_rate, opt_in)
        return world


def generate(
    state: SimState,
    malformed_rate: float = 0.005,
    opt_in: frozenset[str] = frozenset(),
    planted: tuple[PlantedChange, ...] = (),
    random_purchases: bool = False,
    sends: tuple[Send, ...] = (),
    effects: dict[str, float] | None = None,
) -> World:
    """The world at ``state.day`` for ``state.seed`` and ``state.people``, with the opt-in malformed kinds
    (``malformed.OPT_IN_DEFECTS``) asked for and the changes a test planted; with ``random_purchases``, orders that
    carry no signal about who buys again (see ``_Builder._settle``); with the emails the simulated Mailchimp ``sends``,
    the orders their campaigns' ``effects`` bring (campaigns.py)."""
    builder = _Builder(state, planted, random_purchases, sends, effects)
    builder.base()
    for d in range(1, state.day + 1):
        builder.day(d)
    world = builder.world(malformed_rate, opt_in)
    # Delivery methods, loyalty and survey responses follow from the world's sales and tickets, on random streams of
    # their own.
    add_delivery(world)
    add_loyalty(world, malformed_rate)
    add_feedback(world, malformed_rate)
    return world
