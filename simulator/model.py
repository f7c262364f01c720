"""The simulated world: people (the truth) and the records each source system holds about them.

Records are kept in a neutral, compact form; each API module renders them into its own shape
page by page, so a million orders cost memory for a million small objects, not a million JSON trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .state import SimState

SYSTEMS = ("shopify", "square", "hubspot")


@dataclass(slots=True)
class Person:
    """One real person, as only the simulator knows them."""

    pid: int
    household: int
    country: str
    female: bool
    first: str
    last: str
    birthday: str  # ISO date
    email: str
    old_email: str | None  # the address they used before changing it
    family_email: str | None  # an address shared by the household
    phone: str  # national significant number
    household_phone: str | None
    street: str
    street2: str | None
    city: str
    province: str
    zip: str
    joined: int  # epoch seconds of their first contact with the business
    activity: float  # relative purchase propensity
    sporty: bool
    home_store: int
    # When they stop buying for good (epoch seconds): customers lapse, as in buy-till-you-die models.
    lapses_at: float = float("inf")
    taste: str | None = None  # the product category they favour


@dataclass(slots=True)
class Customer:
    """A customer (Shopify, Square) or contact (HubSpot) record: a person as one system typed them."""

    system: str
    seq: int  # creation order within the system; the API id derives from it
    person: Person
    first: str | None
    last: str | None
    email: str | None
    phone: str | None
    birthday: str | None
    street: str | None
    street2: str | None
    city: str | None
    province: str | None
    zip: str | None
    country: str
    created: int
    updated: int
    subscribed: bool
    consent_updated: int
    version: int = 1
    # When the email consent changed after creation, in order (HubSpot's property history shows them).
    consent_changes: list[int] = field(default_factory=list)
    defect: str | None = None
    # HubSpot contacts only: the portal's advertising-consent property; None when never set (which is no consent).
    ads_consent: bool | None = None
    # ... and every value it was set to, with when, in order (HubSpot's property history shows them).
    ads_consent_history: list[tuple[int, bool]] = field(default_factory=list)


@dataclass(slots=True)
class Order:
    """A sale (Shopify web order, Square POS order) or an abandoned Shopify checkout."""

    seq: int
    customer: Customer | None  # None: anonymous till sale
    store: int  # Square location index (in-store) or -1 (web)
    country: str
    currency: str
    created: int
    updated: int
    cancelled: bool
    lines: tuple[tuple[int, int], ...]  # (product index, quantity)
    discount_pct: int
    tender: int  # 0 card, 1 cash, 2 wallet
    defect: str | None = None
    # How it reaches the customer (delivery.py: shipping, pickup, local); None when nothing is delivered. Drawn
    # after the rest of the world, on streams of its own.
    delivery: str | None = None
    # An in-store sale's fulfillment of another method that was cancelled before the one that reached the buyer
    # (delivery.py); None for most.
    cancelled_delivery: str | None = None


@dataclass(slots=True)
class Ticket:
    seq: int
    contact: Customer
    topic: int
    priority: int
    stage: int
    created: int
    updated: int


class EmailEvent(NamedTuple):
    created_ms: int
    seq: int
    type: str
    recipient: str
    campaign: int
    detail: str | None  # clicked URL or subscription status


@dataclass(slots=True)
class LoyaltyAccount:
    """A Square Loyalty account: a Square customer enrolled in the program, keyed by their phone number."""

    customer: Customer
    enrolled: int
    phone: str  # E.164, the account's mapping
    balance: int = 0
    lifetime: int = 0  # points accrued: purchases and positive adjustments
    updated: int = 0
    deadlines: tuple[tuple[int, int], ...] = ()  # (expires_at, points) of the points not yet used or expired
    events: int = 0  # events so far (numbers them within the account)
    defect: str | None = None


@dataclass(slots=True)
class LoyaltyEvent:
    """One line of an account's ledger: ``points`` is the signed change of its balance (0 for a redemption)."""

    created: int
    account: LoyaltyAccount
    number: int  # within its account
    type: str  # ACCUMULATE_POINTS, CREATE_REWARD, REDEEM_REWARD, DELETE_REWARD, ADJUST_POINTS, EXPIRE_POINTS
    points: int
    order: Order | None = None
    reward: int | None = None  # the reward's number within the account
    store: int | None = None
    reason: str | None = None
    defect: str | None = None


@dataclass(slots=True)
class FeedbackSubmission:
    """A survey response in the CRM: NPS (0-10) after a purchase, CSAT (1-5) after a ticket, CES (1-7) after a web
    checkout."""

    seq: int
    contact: Customer
    survey: str  # NPS, CSAT or CES
    value: int
    comment: str | None
    submitted: int
    store: int | None  # where the purchase that prompted it happened (-1 online); None after a ticket
    defect: str | None = None

    @property
    def created(self) -> int:
        return self.submitted

    @property
    def updated(self) -> int:  # a response is never edited
        return self.submitted


@dataclass(slots=True)
class World:
    """Everything the APIs serve at one simulated day."""

    state: SimState
    now: int
    people: list[Person]
    customers: dict[str, list[Customer]]  # per system, in seq order
    orders: dict[str, list[Order]]  # "shopify" and "square", in seq order
    checkouts: list[Order]
    tickets: list[Ticket]
    email_events: list[EmailEvent]  # in created order
    malformed: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(source_system, entity, source_record_id, defect) of every deliberately malformed record."""
    # Drawn after the rest, on random streams of their own (loyalty.py, feedback.py): adding them changed nothing else.
    loyalty_accounts: list[LoyaltyAccount] = field(default_factory=list)  # in enrolment order
    loyalty_events: list[LoyaltyEvent] = field(default_factory=list)  # in created order
    feedback: list[FeedbackSubmission] = field(default_factory=list)  # in seq (submitted) order
