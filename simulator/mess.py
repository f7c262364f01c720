"""The mess of real data: typos, nicknames, accents, phone formats, placeholders."""

from __future__ import annotations

import random
import unicodedata

NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "James": ("Jim", "Jimmy"),
    "Michael": ("Mike", "Mikey"),
    "Richard": ("Rick", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris",),
    "Elizabeth": ("Liz", "Beth", "Betty"),
    "Katherine": ("Kate", "Kathy"),
    "Jennifer": ("Jen", "Jenny"),
    "Margaret": ("Maggie", "Peggy"),
    "Patricia": ("Pat", "Patty"),
    "Rebecca": ("Becky",),
    "Katarzyna": ("Kasia", "Kaśka"),
    "Małgorzata": ("Gosia", "Małgosia"),
    "Aleksandra": ("Ola",),
    "Agnieszka": ("Aga",),
    "Magdalena": ("Magda",),
    "Joanna": ("Asia",),
    "Krzysztof": ("Krzysiek",),
    "Tomasz": ("Tomek",),
    "Piotr": ("Piotrek",),
    "Michał": ("Misiek",),
    "Aleksander": ("Olek",),
    "Wojciech": ("Wojtek",),
    "Muhammad": ("Muh.", "M.", "Moh.", "Muhamad"),
    "Ahmad": ("Achmad",),
    "Siti": ("Sity",),
    "Nur": ("Nurul",),
    "Rizky": ("Rizki",),
}

PLACEHOLDER_PHONES = ("0000000000", "-", "n/a", "000", "1234567")
PLACEHOLDER_EMAILS = ("noemail@store.com", "-", "n/a", "none@none.com", "no@email.com")
_SPECIAL_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o"})


def strip_accents(text: str) -> str:
    """Nguyễn → Nguyen, Łukasz → Lukasz: what a keyboard without the layout types."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a swapped, dropped, doubled or replaced letter."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiounrst") + text[i + 1 :]


def nickname(rng: random.Random, first: str) -> str:
    """A nickname for the first given name when one is known, else the name itself."""
    head, _, rest = first.partition(" ")
    options = NICKNAMES.get(head)
    if not options:
        return first
    return f"{rng.choice(options)} {rest}".strip()


def messy_name(rng: random.Random, first: str, last: str, sloppy: float) -> tuple[str, str]:
    """A name as typed into one system; ``sloppy`` scales how careless that system's input is."""
    r = rng.random
    if r() < 0.10:
        first = nickname(rng, first)
    if r() < 0.06 * sloppy:
        first, last = strip_accents(first), strip_accents(last)
    if r() < 0.03 * sloppy:
        last = typo(rng, last)
    elif r() < 0.02 * sloppy:
        first = typo(rng, first)
    if r() < 0.04 * sloppy:
        first, last = first.upper(), last.upper()
    elif r() < 0.03 * sloppy:
        first, last = first.lower(), last.lower()
    if r() < 0.02 * sloppy:
        first, last = last, first  # family name first
    if r() < 0.01 * sloppy:
        first = f" {first} "
    return first, last


def phone_formats(calling_code: str, nsn: str) -> tuple[str, ...]:
    """Ways people type the national significant number ``nsn`` of country ``calling_code``."""
    if calling_code == "1":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        return (f"+1{nsn}", f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"1{nsn}", nsn, f"+1 {a} {b} {c}")
    if calling_code == "48":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        return (f"+48{nsn}", nsn, f"{a} {b} {c}", f"48{nsn}", f"+48 {a} {b} {c}", f"{a}-{b}-{c}")
    a, b, c = nsn[:3], nsn[3:7], nsn[7:]
    return (
        f"+{calling_code}{nsn}",
        f"0{nsn}",
        f"{calling_code} {a} {b} {c}",
        f"0{a}-{b}-{c}",
        f"+{calling_code} {a} {b} {c}",
        f"0{a} {b} {c}",
    )


def messy_email(rng: random.Random, email: str) -> str:
    r = rng.random()
    if r < 0.04:
        return email.upper()
    if r < 0.07:
        return email[0].upper() + email[1:]
    if r < 0.09:
        local, _, domain = email.partition("@")
        return f"{local}@{typo(rng, domain)}"
    if r < 0.10:
        return f" {email}"
    return email
