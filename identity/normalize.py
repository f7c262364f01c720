"""Scalar cleaning functions for person attributes.

Every function takes and returns plain Python scalars (``str | None``) so the dbt staging layer can call them
as DuckDB functions (``identity.udfs``) and the cleaning rules live only here; the tables they read are in
``identity.reference``. Already-clean values pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import phonenumbers

from identity.reference import (
    ADDRESS_ABBREVIATIONS,
    ADDRESS_DROP,
    AMBIGUOUS_HONORIFICS,
    CITY_ALIASES,
    COUNTRY_ALIASES,
    DOT_INSENSITIVE_DOMAINS,
    HONORIFICS,
    NICKNAMES,
    PHONE_FALLBACK_REGIONS,
    PLACEHOLDER_DATES,
    PLACEHOLDER_EMAIL_DOMAINS,
    PLACEHOLDER_EMAIL_LOCAL,
    PLACEHOLDER_NAMES,
    PLACEHOLDER_TEXT,
    PLUS_ADDRESS_DOMAINS,
    SPECIAL_FOLD,
)

_NON_ALPHA_SPACE = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\D+")


def _clean_str(s: object) -> str | None:
    if s is None:
        return None
    if isinstance(s, float):  # NaN from pandas, or a phone a CSV reader turned into a number
        if s != s:
            return None
        s = str(int(s)) if s.is_integer() else str(s)
    s = str(s).strip()
    return s or None


@lru_cache(maxsize=200_000)
def fold_accents(s: str) -> str:
    """Strip diacritics (``Nguyễn`` -> ``Nguyen``, ``Łódź`` -> ``Lodz``) keeping the base letters."""
    s = s.translate(SPECIAL_FOLD)
    if s.isascii():
        return s
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(SPECIAL_FOLD)


def is_placeholder(value: object, kind: str = "text") -> bool:
    """True for values typed to satisfy a mandatory field: ``-``, ``n/a``, ``0000000000``, ``noemail@…``.

    ``kind`` is one of ``text``, ``name``, ``email``, ``phone``, ``date``.
    """
    s = _clean_str(value)
    if s is None:
        return True
    low = fold_accents(s.lower())
    if kind == "email":
        return normalize_email(s) is None
    if kind == "phone":
        return _phone_placeholder(_DIGITS.sub("", low))
    if kind == "date":
        return normalize_date(s) is None
    if kind == "name":
        return normalize_name(s) is None
    return low.strip(" .") in PLACEHOLDER_TEXT or low in PLACEHOLDER_TEXT


@lru_cache(maxsize=500_000)
def normalize_name(s: object) -> str | None:
    """Lower-case, accent-folded, punctuation-free name (``"  Nguyễn Văn-Anh "`` -> ``nguyen van anh``).

    Returns None for placeholders. Token order is kept; see :func:`canonical_name` for matching.
    """
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in PLACEHOLDER_NAMES:
        return None
    low = _NON_ALPHA_SPACE.sub(" ", low.replace("'", ""))
    low = _SPACES.sub(" ", low).strip()
    if not low or low in PLACEHOLDER_NAMES:
        return None
    return low


def name_tokens(*parts: object) -> list[str]:
    """Canonical name tokens of all parts: honorifics dropped, nicknames mapped to their full form."""
    toks: list[str] = []
    for p in parts:
        n = normalize_name(p)
        if n:
            toks.extend(n.split(" "))
    if len(toks) > 1:
        while len(toks) > 1 and toks[0] in HONORIFICS and (toks[0] not in AMBIGUOUS_HONORIFICS or len(toks) > 3):
            toks = toks[1:]
    return [NICKNAMES.get(t, t) for t in toks]


@lru_cache(maxsize=500_000)
def canonical_name(s: object) -> str | None:
    """Canonical tokens of one name field joined by spaces, order kept (``"Kasia"`` -> ``katarzyna``)."""
    toks = name_tokens(s)
    return " ".join(toks) if toks else None


# --- email -------------------------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(\.[a-z0-9\-]+)+$")


@lru_cache(maxsize=500_000)
def normalize_email(s: object, canonical_mailbox: bool = True) -> str | None:
    """Lower-cased, trimmed email, or None when malformed or a placeholder (``noemail@store.com``).

    With ``canonical_mailbox`` the provider's own equivalences are applied: gmail ignores dots,
    ``+tag`` sub-addresses are dropped where the provider supports them, googlemail -> gmail.
    """
    s = _clean_str(s)
    if s is None:
        return None
    e = fold_accents(s.lower()).strip().strip("<>\"'").replace(" ", "")
    if e.startswith("mailto:"):
        e = e[7:]
    if not _EMAIL_RE.match(e):
        return None
    local, domain = e.rsplit("@", 1)
    if local in PLACEHOLDER_EMAIL_LOCAL or domain in PLACEHOLDER_EMAIL_DOMAINS:
        return None
    if len(set(local.replace(".", ""))) <= 1:  # aaaa@, 0000@
        return None
    if canonical_mailbox:
        if domain == "googlemail.com":
            domain = "gmail.com"
        if domain in PLUS_ADDRESS_DOMAINS and "+" in local:
            local = local.split("+", 1)[0]
        if domain in DOT_INSENSITIVE_DOMAINS:
            local = local.replace(".", "")
        if not local:
            return None
    return f"{local}@{domain}"


# --- phone -------------------------------------------------------------------------------------------


def _phone_placeholder(digits: str) -> bool:
    if len(digits) < 6:
        return True
    core = digits.lstrip("0")
    if len(set(digits)) <= 2 and len(set(core)) <= 1:  # 0000000000, 1111111, 0800000000
        return True
    if len(set(digits[-7:])) == 1:  # +62 812 0000000
        return True
    core = digits.lstrip("0")
    if len(core) >= 6 and (core in "0123456789" * 2 or core in "9876543210" * 2):  # 1234567890
        return True
    return False


@lru_cache(maxsize=1_000_000)
def _parse_phone(digits: str, has_plus: bool, country: str | None, other_countries: tuple[str, ...]) -> object | None:
    """phonenumbers' full parse of a number `_phone_parts` already cleaned to digits (and whether it had a +)."""
    if _phone_placeholder(digits):
        return None
    if not has_plus and digits.startswith("00"):
        has_plus, digits = True, digits[2:]
    raw = ("+" if has_plus else "") + digits
    regions: list[str | None] = []
    if country:
        regions.append(country)
    regions.extend(r for r in other_countries if r and r not in regions)
    regions.extend(r for r in PHONE_FALLBACK_REGIONS if r not in regions)
    if has_plus:
        regions = [None] + regions
    fallback = None
    for region in regions:
        try:
            p = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(p):
            return p
        if fallback is None and phonenumbers.is_possible_number(p):
            fallback = p
    return fallback


@lru_cache(maxsize=300)
def _region_meta(region: str) -> tuple[str, str | None, tuple[int, ...]] | None:
    """(country calling code, simple trunk prefix, possible national lengths) of a region."""
    m = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if m is None:
        return None
    trunk = m.national_prefix if m.national_prefix == m.national_prefix_for_parsing else None
    return str(m.country_code), trunk, tuple(m.general_desc.possible_length or ())


def _fast_phone(digits: str, has_plus: bool, country: str | None) -> tuple[str, str] | None:
    """(calling code, national number) for the unambiguous shapes most phones come in, else None.

    phonenumbers' full parse costs ~30 µs per number, minutes at a million records. Only shapes whose
    reading does not depend on number-plan details are handled here; the rest go to phonenumbers.
    """
    if has_plus:
        for k in (1, 2, 3):
            cc = digits[:k]
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc)) if cc and cc[0] != "0" else None
            if regions:
                meta = _region_meta(regions[0])
                national = digits[k:]
                if meta and meta[1] == "0" and national.startswith("0"):  # "+62 0812…"
                    national = national[1:]
                if meta and len(national) in meta[2]:
                    return cc, national
                return None
        return None
    if not country:
        return None
    meta = _region_meta(country)
    if meta is None:
        return None
    cc, trunk, lengths = meta
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in lengths and trunk != cc[: len(trunk)]:
        return cc, digits[len(trunk) :]
    if digits.startswith(cc) and len(digits) - len(cc) in lengths and not (trunk and digits.startswith(trunk)):
        return cc, digits[len(cc) :]
    if not (trunk and digits.startswith(trunk)) and len(digits) in lengths and not digits.startswith("0"):
        return cc, digits
    return None


@lru_cache(maxsize=1_000_000)
def _phone_parts(s: object, country: object = None, other_countries: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(calling code, national significant number) or None."""
    s = _clean_str(s)
    if s is None:
        return None
    low = s.lower()
    raw = re.split(r"ext|x|#", low)[0] if ("x" in low or "#" in low) else s
    digits = _DIGITS.sub("", raw)
    if _phone_placeholder(digits):
        return None
    stripped = raw.lstrip()
    has_plus = stripped.startswith("+")
    if stripped.startswith("00") and not has_plus:
        has_plus, digits = True, digits[2:]
    c = normalize_country(country)
    fast = _fast_phone(digits, has_plus, c)
    if fast is not None:
        return fast
    p = _parse_phone(digits, has_plus, c, tuple(other_countries))
    if p is None:
        return None
    return str(p.country_code), phonenumbers.national_significant_number(p)


def normalize_phone(s: object, country: object = None, other_countries: tuple[str, ...] = ()) -> str | None:
    """E.164 phone (``+6281234567890``) or None for placeholders and numbers that never parse.

    The record's country is tried first, then ``other_countries`` (the countries present in the data),
    so ``0812…``, ``+62812…`` and ``62 812…`` become the same number even when the till left the
    country empty or wrong.
    """
    parts = _phone_parts(s, country, tuple(other_countries))
    return None if parts is None else f"+{parts[0]}{parts[1]}"


def phone_key(s: object, country: object = None, other_countries: tuple[str, ...] = ()) -> str | None:
    """The national significant number, the matching key for phones: a wrong or missing country
    changes the country code but not this."""
    parts = _phone_parts(s, country, tuple(other_countries))
    return None if parts is None else parts[1]


# --- dates, places -----------------------------------------------------------------------------------
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@lru_cache(maxsize=200_000)
def normalize_date(s: object) -> str | None:
    """ISO ``YYYY-MM-DD`` or None for impossible or placeholder dates (``1900-01-01``)."""
    s = _clean_str(s)
    if s is None:
        return None
    m = _DATE_RE.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DMY_RE.match(s)
        if not m:
            return None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1900 <= y <= 2030:
        return None
    try:
        iso = date(y, mo, d).isoformat()  # a real calendar day: 1990-02-30 is not
    except ValueError:
        return None
    return None if iso in PLACEHOLDER_DATES else iso


_ADDR_SPLIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z]{2,})")


@lru_cache(maxsize=500_000)
def normalize_address(s: object) -> str | None:
    """Street line, lower-case, accent-folded, punctuation removed, common street words abbreviated."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in PLACEHOLDER_TEXT:
        return None
    low = re.sub(r"[^a-z0-9 ]+", " ", low)
    low = _ADDR_SPLIT.sub(" ", low)
    toks = [ADDRESS_ABBREVIATIONS.get(t, t) for t in low.split()]
    toks = [t for t in toks if t not in ADDRESS_DROP]
    out = " ".join(toks)
    return out or None


@lru_cache(maxsize=200_000)
def normalize_postcode(s: object) -> str | None:
    """Postcode with spaces and dashes removed, upper-case (``00-950`` -> ``00950``)."""
    s = _clean_str(s)
    if s is None:
        return None
    out = re.sub(r"[^0-9A-Za-z]+", "", s).upper()
    if not out or len(set(out)) == 1 or out.lower() in PLACEHOLDER_TEXT:
        return None
    return out


@lru_cache(maxsize=100_000)
def normalize_city(s: object) -> str | None:
    """City, lower-case, accent-folded, with a few common aliases (``TP.HCM`` -> ``ho chi minh``)."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in PLACEHOLDER_TEXT:
        return None
    low = _SPACES.sub(" ", re.sub(r"[^a-z0-9 ]+", " ", low)).strip()
    return CITY_ALIASES.get(low, low) or None


@lru_cache(maxsize=10_000)
def normalize_country(s: object) -> str | None:
    """ISO 3166-1 alpha-2, upper-case; a few spelled-out names accepted."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower()).strip(" .")
    if low in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[low]
    if len(low) == 2 and low.isalpha():
        return low.upper()
    return None


def clear_caches() -> None:
    """Drop the per-value memo tables (they can hold a million entries after a large run)."""
    for fn in (
        fold_accents,
        normalize_name,
        canonical_name,
        normalize_email,
        _parse_phone,
        _phone_parts,
        normalize_date,
        normalize_address,
        normalize_postcode,
        normalize_city,
        normalize_country,
    ):
        fn.cache_clear()
