"""Square Loyalty in the simulated world: who enrols, and what their accounts earn, redeem, get back and lose.

The program gives a point per US dollar spent in store (other currencies at the catalogue's rates), rewards at 100, 250
and 500 points, and points expire a year after they were earned, oldest first. An account's ledger is played in time
order over its customer's in-store orders: a reward is created and redeemed at the till before a purchase (sometimes
created and deleted again), the purchase earns its points, now and then a cashier adjusts points, and unused points
expire. A customer's phone number is the account's key: a person typed twice into the till enrols once.

Drawn after the rest of the world on random streams of its own (``{seed}:loyalty:{customer seq}``), so people, records
and orders are what they were without it; a later day only adds events after the clock, so what was visible stays.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass

from .catalog import COUNTRY_BY_CODE, EXPONENT
from .config import DAY_SECONDS, EPOCH_START
from .ids import loyalty_account_id, loyalty_event_id
from .model import LoyaltyAccount, LoyaltyEvent, Order, World
from .money import totals


@dataclass(frozen=True, slots=True)
class RewardTier:
    points: int
    name: str
    percentage: int


REWARD_TIERS = (
    RewardTier(100, "5% off entire sale", 5),
    RewardTier(250, "10% off entire sale", 10),
    RewardTier(500, "20% off entire sale", 20),
)
POINTS_PER_USD = 1
EXPIRY_DAYS = 365
PROGRAM_CREATED = EPOCH_START - 400 * DAY_SECONDS
# Who enrols: a third of occasional customers, most of the frequent ones.
ENROL_BASE, ENROL_PER_ACTIVITY, ENROL_MAX = 0.3, 0.15, 0.85
REDEEM_SHARE = 0.35  # purchases at which a member with enough points takes a reward
DELETE_SHARE = 0.08  # rewards created, then deleted again (the points come back)
ADJUST_SHARE = 0.03  # purchases after which a cashier adjusts points
GOODWILL_POINTS = 50
ADJUST_REASONS = ("Goodwill: item out of stock", "Correction: points counted twice")
LOYALTY_DEFECTS = ("unknown_field",)


def add_loyalty(world: World, malformed_rate: float) -> None:
    """The loyalty accounts and their ledgers at the world's day (``world.loyalty_accounts``, ``loyalty_events``)."""
    seed, now = world.state.seed, world.now
    orders: dict[int, list[Order]] = defaultdict(list)
    for order in world.orders["square"]:  # in created order
        if order.customer is not None and not order.cancelled:
            orders[order.customer.seq].append(order)
    candidates = []
    for customer in world.customers["square"]:
        rng = random.Random(f"{seed}:loyalty:{customer.seq}")
        share = min(ENROL_MAX, ENROL_BASE + ENROL_PER_ACTIVITY * customer.person.activity)
        if rng.random() < share:
            enrolled = max(customer.created, PROGRAM_CREATED) + rng.randrange(3 * DAY_SECONDS)
            if enrolled < now:
                candidates.append((enrolled, customer, rng))
    # A phone number maps to one account: whoever enrolled with it first has it.
    taken: set[str] = set()
    accounts, events = [], []
    for enrolled, customer, rng in sorted(candidates, key=lambda c: (c[0], c[1].seq)):
        phone = f"+{COUNTRY_BY_CODE[customer.person.country].calling_code}{customer.person.phone}"
        if phone in taken:
            continue
        taken.add(phone)
        account = LoyaltyAccount(customer=customer, enrolled=enrolled, phone=phone, updated=enrolled)
        events += _Ledger(account, rng, now).play(orders[customer.seq])
        accounts.append(account)
    events.sort(key=lambda e: (e.created, e.account.customer.seq, e.number))
    _assign_defects(accounts, events, seed, malformed_rate)
    world.loyalty_accounts, world.loyalty_events = accounts, events
    world.malformed += [
        ("square", "loyalty_account", loyalty_account_id(a.customer.seq), a.defect) for a in accounts if a.defect
    ]
    world.malformed += [
        ("square", "loyalty_event", loyalty_event_id(e.account.customer.seq, e.number), e.defect)
        for e in events
        if e.defect
    ]


def order_points(order: Order) -> int:
    """Points a purchase earns: a point per whole US dollar of its total."""
    country = COUNTRY_BY_CODE[order.country]
    major = totals(order).total / 10 ** EXPONENT[order.currency]
    return int(major / country.fx_per_usd * POINTS_PER_USD)


class _Ledger:
    """One account's ledger, played forward in time; points are used and expire oldest first."""

    def __init__(self, account: LoyaltyAccount, rng: random.Random, now: int) -> None:
        self.account, self.rng, self.now = account, rng, now
        self.lots: deque[list[int]] = deque()  # [expires_at, points left], oldest first
        self.events: list[LoyaltyEvent] = []
        self.rewards = 0

    def play(self, orders: list[Order]) -> list[LoyaltyEvent]:
        for order in orders:
            t = order.created
            if t < self.account.enrolled:
                continue
            if t + 1 >= self.now:  # its last event would be after the clock: tomorrow's world has it
                break
            self._expire_until(t - 3)
            self._maybe_redeem(order)
            points = order_points(order)
            if points > 0:
                self._emit(t, "ACCUMULATE_POINTS", points, order=order, store=order.store)
                self._earn(t, points)
            if self.rng.random() < ADJUST_SHARE:
                self._adjust(t + 1)
        self._expire_until(self.now - 1)
        account = self.account
        account.deadlines = tuple((expires, left) for expires, left in self.lots if left > 0)
        return self.events

    def _emit(self, ts: int, kind: str, points: int, **details: object) -> None:
        account = self.account
        self.events.append(LoyaltyEvent(ts, account, account.events, kind, points, **details))  # type: ignore[arg-type]
        account.events += 1
        account.balance += points
        account.updated = max(account.updated, ts)

    def _earn(self, ts: int, points: int) -> None:
        self.lots.append([ts + EXPIRY_DAYS * DAY_SECONDS, points])
        self.account.lifetime += points

    def _use(self, points: int) -> None:
        while points > 0 and self.lots:
            lot = self.lots[0]
            used = min(points, lot[1])
            lot[1] -= used
            points -= used
            if lot[1] == 0:
                self.lots.popleft()

    def _expire_until(self, ts: int) -> None:
        while self.lots and self.lots[0][0] <= ts:
            expires, left = self.lots.popleft()
            if left > 0:
                self._emit(expires, "EXPIRE_POINTS", -left)

    def _maybe_redeem(self, order: Order) -> None:
        reachable = [tier for tier in REWARD_TIERS if tier.points <= self.account.balance]
        if not reachable or self.rng.random() >= REDEEM_SHARE:
            return
        tier = reachable[-1]
        reward, self.rewards = self.rewards, self.rewards + 1
        t = order.created
        self._emit(t - 2, "CREATE_REWARD", -tier.points, reward=reward, store=order.store)
        self._use(tier.points)
        if self.rng.random() < DELETE_SHARE:
            self._emit(t - 1, "DELETE_REWARD", tier.points, reward=reward, store=order.store)
            self._earn(t - 1, tier.points)
            self.account.lifetime -= tier.points  # points given back, not earned
        else:
            self._emit(t - 1, "REDEEM_REWARD", 0, order=order, reward=reward, store=order.store)

    def _adjust(self, ts: int) -> None:
        balance = self.account.balance
        if self.rng.random() < 0.7 or balance <= 0:
            self._emit(ts, "ADJUST_POINTS", GOODWILL_POINTS, reason=ADJUST_REASONS[0])
            self._earn(ts, GOODWILL_POINTS)
        else:
            taken = min(balance, 1 + self.rng.randrange(40))
            self._emit(ts, "ADJUST_POINTS", -taken, reason=ADJUST_REASONS[1])
            self._use(taken)


def _assign_defects(accounts: list[LoyaltyAccount], events: list[LoyaltyEvent], seed: int, rate: float) -> None:
    """Unknown fields on a few accounts and events (their own streams; lists only grow, so defects stay put)."""
    rng = random.Random(f"{seed}:malformed:square:loyalty_account")
    for account in accounts:  # in enrolment order
        account.defect = rng.choice(LOYALTY_DEFECTS) if rng.random() < rate else None
    rng = random.Random(f"{seed}:malformed:square:loyalty_event")
    for event in events:
        event.defect = rng.choice(LOYALTY_DEFECTS) if rng.random() < rate else None
