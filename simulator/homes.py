"""Homes: where people live, and how each system's clerk types the street line.

Faker's address pools are small, so two unrelated people would often draw the same street line and postcode; in
life they would be neighbours in one block with a flat number each. Every household gets a home of its own: a
line already taken by another household gets a flat number in the country's way of writing one. And the same
street word is typed long in one system and short in another (Jalan/Jl., Gang/Gg., Đường/Đ., ulica/ul.), which
household detection must see through. Both draw from streams of their own (``{seed}:home:{pid}``,
``{seed}:typed:{system}:{pid}``), so the rest of the world stays as the main stream drew it.
"""

from __future__ import annotations

import random
import re

from .model import Person

# (long form, short form) of street words per country; a record types one or the other.
STREET_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "ID": (("Jalan", "Jl."), ("Gang", "Gg.")),
    "VN": (("Đường", "Đ."), ("Phường", "P.")),
    "PL": (("ulica", "ul."), ("aleja", "al.")),
    "US": (("Street", "St."), ("Avenue", "Ave.")),
}
TYPED_SHORT_SHARE = 0.5


def _flat(country: str, street: str, number: int) -> str:
    if country == "PL":
        return f"{street}/{number}"
    if country == "VN":
        return f"Phòng {number}, {street}"
    if country == "ID":
        return f"{street} Blok {chr(ord('A') + number % 8)}{number}"
    return f"{street} Apt {number}"


class Homes:
    """The street lines taken so far, by (country, line, postcode) → household."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.taken: dict[tuple[str, str, str], int] = {}
        self.heads: dict[int, Person] = {}

    def settle(self, people: list[Person]) -> None:
        """Gives each household of ``people`` (in pid order, heads before members) a line no other household has."""
        for person in people:
            head = self.heads.get(person.household)
            if head is not None and head is not person:
                person.street, person.street2 = head.street, head.street2
                person.city, person.province, person.zip = head.city, head.province, head.zip
                continue
            self.heads[person.household] = person
            person.street = self.free_line(person.country, person.street, person.zip, person.household, f"{person.pid}")

    def free_line(self, country: str, street: str, postcode: str, household: int, salt: str) -> str:
        """``street`` when no other household lives there, else the same line with a flat number of its own."""
        rng = random.Random(f"{self.seed}:home:{salt}")
        line = street
        while self.taken.setdefault((country, line, postcode), household) != household:
            line = _flat(country, street, rng.randrange(1, 400))
        return line


def typed_street(seed: int, system: str, person: Person) -> str:
    """The person's street line as ``system`` holds it: each street word long or short, the same every time."""
    rng = random.Random(f"{seed}:typed:{system}:{person.pid}")
    line = person.street
    for long, short in STREET_WORDS.get(person.country, ()):
        use_short = rng.random() < TYPED_SHORT_SHARE
        source, target = (long, short) if use_short else (short, long)
        line = re.sub(rf"(?<!\w){re.escape(source)}(?!\w)", target, line)
    return line
