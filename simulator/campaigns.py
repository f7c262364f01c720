"""What the segments' emails make people do: the true effect of each campaign, for the CDP to measure.

In the simulated Mailchimp a tag new to a subscribed member starts its segment's automation, which emails the member
that simulated day (the store's `tag_sends`). A segment with an effect makes each person so emailed buy once more
than they would have, with that extra probability, on one of the `EFFECT_DAYS` days after the email, in store when
they have a till record, else online. Nobody else is touched: members the CDP held out are never emailed, so they
buy as they would have. The draws come from a stream per email (``{seed}:effect:{tag}:{email}:{day}``), so the rest
of the world stays as it was, and a day already visible never changes: an email of day D acts from day D+1.

Effects are read from ``CDP_CAMPAIGN_EFFECTS`` (``segment=probability,...``), by default `DEFAULT_EFFECTS`: a
win-back email that works, an abandoned-cart reminder that works less, and a birthday email that does nothing.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import NamedTuple

EFFECT_DAYS = 7
DEFAULT_EFFECTS = {"lapsed": 0.3, "abandoned_cart": 0.2, "birthday_this_month": 0.0}
STORE_FILE = "mailchimp.sqlite"


class Send(NamedTuple):
    email: str  # lower-cased
    tag: str
    day: int  # the simulated day of the email


def campaign_effects() -> dict[str, float]:
    """The extra probability of an order per segment emailed, from ``CDP_CAMPAIGN_EFFECTS`` or the defaults."""
    raw = os.environ.get("CDP_CAMPAIGN_EFFECTS", "").strip()
    if not raw:
        return dict(DEFAULT_EFFECTS)
    effects = {}
    for item in raw.split(","):
        segment, _, probability = item.partition("=")
        value = float(probability)
        if not segment.strip() or not 0 <= value <= 1:
            raise ValueError(f"CDP_CAMPAIGN_EFFECTS: {item!r} is not segment=probability (0 to 1)")
        effects[segment.strip()] = value
    return effects


def read_sends(folder: Path) -> tuple[Send, ...]:
    """Every email the simulated Mailchimp sent (none before its store exists), in a stable order."""
    path = folder / STORE_FILE
    if not path.exists():
        return ()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute("SELECT DISTINCT email, tag, day FROM tag_sends ORDER BY day, tag, email").fetchall()
    except sqlite3.OperationalError:  # a store written before emails were remembered
        return ()
    finally:
        db.close()
    return tuple(Send(*row) for row in rows)
