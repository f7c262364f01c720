"""Survey responses in the CRM: NPS after purchases, CSAT after support tickets, CES after web checkouts.

HubSpot sends its surveys to contacts by email, so only people with a contact (with an email) answer. How a person
scores is their own mood (most are happy, some are never pleased) moved by the store they bought in (some stores
serve better than others) and by chance. Drawn after the rest of the world on random streams of its own
(``{seed}:feedback:…``), so everything else is what it was; responses are numbered in the order they were submitted,
and a later day only adds responses after the clock.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import defaultdict
from itertools import accumulate

from .config import DAY_SECONDS
from .ids import hubspot_feedback_submission_id
from .model import Customer, FeedbackSubmission, World

NPS_RESPONSE_SHARE = 0.08  # purchases whose survey is answered
CES_RESPONSE_SHARE = 0.04  # web purchases whose effort survey is answered
CSAT_RESPONSE_SHARE = 0.35  # tickets whose satisfaction survey is answered
COMMENT_SHARE = 0.45
# Each person's mood, (share of people, mean NPS score); each store's effect on it (index = Square location; online 0).
MOODS = ((0.55, 9.3), (0.27, 7.6), (0.18, 4.8))
_MOOD_CUM = tuple(accumulate(share for share, _ in MOODS))
STORE_EFFECT = (0.4, -0.9, 0.2, 0.0, 0.5, -0.4, 0.6, -1.2)
FEEDBACK_DEFECTS = ("long_string", "unknown_field")
COMMENTS = {
    "promoter": (
        "Great service at the store, thank you!",
        "Love the new collection.",
        "Fast delivery, will buy again.",
        "Staff were really helpful with sizes.",
    ),
    "passive": (
        "Good products but a bit pricey.",
        "Delivery took a while.",
        "Nice shop, small selection in my size.",
    ),
    "detractor": (
        "Long queue at the till and only one cashier.",
        "My order arrived late and the box was damaged.",
        "Nobody helped me in the store.",
        "My loyalty points were missing after my purchase.",
    ),
}


def nps_group(score: int) -> str:
    """NPS's own grouping of a 0-10 answer: 9-10 promoters, 7-8 passives, 0-6 detractors."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def add_feedback(world: World, malformed_rate: float) -> None:
    """The survey responses submitted by the world's day (``world.feedback``)."""
    seed, now = world.state.seed, world.now
    contacts: dict[int, list[Customer]] = defaultdict(list)
    for contact in world.customers["hubspot"]:
        if contact.email:
            contacts[contact.person.pid].append(contact)
    moods: dict[int, float] = {}

    def mood(pid: int) -> float:
        if pid not in moods:
            r = random.Random(f"{seed}:feedback:person:{pid}").random()
            moods[pid] = MOODS[min(bisect_left(_MOOD_CUM, r), len(MOODS) - 1)][1]
        return moods[pid]

    def contact_of(pid: int, at: int) -> Customer | None:
        return next((c for c in contacts.get(pid, ()) if c.created < at), None)

    found: list[tuple[tuple[int, str, int, int], Customer, str, int, str | None, int | None]] = []
    for system in ("square", "shopify"):
        for order in world.orders[system]:
            if order.customer is None or order.cancelled:
                continue
            rng = random.Random(f"{seed}:feedback:{system}:{order.seq}")
            if rng.random() < NPS_RESPONSE_SHARE:
                at = order.created + rng.randrange(6 * 3600, 4 * DAY_SECONDS)
                contact = contact_of(order.customer.person.pid, at)
                effect = STORE_EFFECT[order.store] if order.store >= 0 else 0.0
                score = round(min(10.0, max(0.0, rng.gauss(mood(order.customer.person.pid) + effect, 1.2))))
                comment = rng.choice(COMMENTS[nps_group(score)]) if rng.random() < COMMENT_SHARE else None
                if contact is not None:
                    found.append(((at, system, order.seq, 0), contact, "NPS", score, comment, order.store))
            if system == "shopify" and rng.random() < CES_RESPONSE_SHARE:
                at = order.created + rng.randrange(600, DAY_SECONDS)
                contact = contact_of(order.customer.person.pid, at)
                score = min(7, max(1, round(rng.gauss(5.6, 1.3))))
                if contact is not None:
                    found.append(((at, system, order.seq, 1), contact, "CES", score, None, -1))
    for ticket in world.tickets:
        rng = random.Random(f"{seed}:feedback:ticket:{ticket.seq}")
        if rng.random() < CSAT_RESPONSE_SHARE and ticket.contact.email:
            at = ticket.created + rng.randrange(DAY_SECONDS, 3 * DAY_SECONDS)
            score = min(5, max(1, round(rng.gauss(mood(ticket.contact.person.pid) / 2.2, 1.0))))
            comment = rng.choice(COMMENTS[nps_group(2 * score)]) if rng.random() < COMMENT_SHARE else None
            found.append(((at, "ticket", ticket.seq, 2), ticket.contact, "CSAT", score, comment, None))
    visible = sorted((f for f in found if f[0][0] < now), key=lambda f: f[0])
    world.feedback = [
        FeedbackSubmission(seq, contact, survey, value, comment, key[0], store)
        for seq, (key, contact, survey, value, comment, store) in enumerate(visible)
    ]
    rng = random.Random(f"{seed}:malformed:hubspot:feedback_submission")
    for submission in world.feedback:
        submission.defect = rng.choice(FEEDBACK_DEFECTS) if rng.random() < malformed_rate else None
        if submission.defect:
            world.malformed.append(
                ("hubspot", "feedback_submission", hubspot_feedback_submission_id(submission.seq), submission.defect)
            )
