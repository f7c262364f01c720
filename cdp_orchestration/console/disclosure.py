"""How personal values reach the screen: as the analytics copy holds them, masked, as a pseudonym, or not at all.

The console reads only the analytics copy. When the CDP publishes it in full (`CDP_ANALYTICS_PII=full`), admins and
analysts see contact details as they are and marketers see them masked (`j***@gmail.com`, `+*********79`, first
name and the family name's initial, no street or postcode). When the copy is pseudonymised (the default), it holds
keyed hashes: nothing can be masked from a hash, so admins and analysts see a short pseudonym (the hash's first ten
characters: equal values have equal pseudonyms, which is what comparing records needs) and marketers see "hidden".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PSEUDONYM_CHARS = 10
MASK = "*"
VISIBLE_PHONE_DIGITS = 2


class How(StrEnum):
    CLEAR = "clear"
    MASKED = "masked"
    PSEUDONYM = "pseudonym"
    HIDDEN = "hidden"
    ABSENT = "absent"


@dataclass(frozen=True)
class Shown:
    text: str | None
    how: How


ABSENT = Shown(None, How.ABSENT)
HIDDEN = Shown(None, How.HIDDEN)


def mask_email(email: str) -> str:
    local, at, domain = email.partition("@")
    if not at:
        return MASK * 3
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_phone(phone: str) -> str:
    digits = sum(ch.isdigit() for ch in phone)
    kept = phone[-VISIBLE_PHONE_DIGITS:] if digits > VISIBLE_PHONE_DIGITS else ""
    return ("+" if phone.startswith("+") else "") + MASK * max(digits - len(kept), 3) + kept


@dataclass(frozen=True)
class Disclosure:
    pseudonymised: bool  # the analytics copy holds keyed hashes
    full_contacts: bool  # the reader's role may see contact details as the copy holds them

    def _shown(self, value: object, masked: str | None) -> Shown:
        if value is None or value == "":
            return ABSENT
        text = str(value)
        if self.pseudonymised:
            return Shown(text[:PSEUDONYM_CHARS], How.PSEUDONYM) if self.full_contacts else HIDDEN
        if self.full_contacts:
            return Shown(text, How.CLEAR)
        return Shown(masked, How.MASKED) if masked else HIDDEN

    def email(self, value: str | None) -> Shown:
        return self._shown(value, mask_email(value) if value else None)

    def phone(self, value: str | None) -> Shown:
        return self._shown(value, mask_phone(value) if value else None)

    def first_name(self, value: str | None) -> Shown:
        # A given name alone does not reach anyone: marketers see it as the copy holds it.
        shown = self._shown(value, value)
        return Shown(shown.text, How.CLEAR) if shown.how == How.MASKED else shown

    def last_name(self, value: str | None) -> Shown:
        return self._shown(value, f"{value[:1]}." if value else None)

    def private(self, value: object) -> Shown:
        """A street, postcode or birth date: shown in full or not at all."""
        return self._shown(value, None)

    def full_name(self, first: str | None, last: str | None) -> str | None:
        """A heading for the person, when the reader may see one; None otherwise."""
        parts = [s.text for s in (self.first_name(first), self.last_name(last)) if s.how in (How.CLEAR, How.MASKED)]
        return " ".join(p for p in parts if p) or None
