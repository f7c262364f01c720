"""Scalar cleaning functions for person attributes.

Every function takes and returns plain Python scalars (``str | None``) so the dbt staging layer can
register them as DuckDB UDFs (``con.create_function``) and the cleaning rules live only here.
Already-clean values pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import phonenumbers

__all__ = [
    "fold_accents",
    "normalize_name",
    "name_tokens",
    "canonical_name",
    "normalize_email",
    "normalize_phone",
    "phone_key",
    "normalize_date",
    "normalize_address",
    "normalize_postcode",
    "normalize_city",
    "normalize_country",
    "is_placeholder",
    "names_compatible",
    "dates_compatible",
    "NICKNAMES",
]

# Letters NFKD does not decompose into base + combining mark.
_SPECIAL_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)

# Values typed into a field to get past a mandatory input, in any field.
_PLACEHOLDER_TEXT = {
    "",
    "-",
    "--",
    "---",
    ".",
    "..",
    "...",
    "?",
    "x",
    "xx",
    "xxx",
    "xxxx",
    "n/a",
    "na",
    "n.a.",
    "nan",
    "none",
    "null",
    "nil",
    "unknown",
    "unk",
    "not known",
    "not provided",
    "no",
    "test",
    "testing",
    "asdf",
    "qwerty",
    "tba",
    "tbd",
    "0",
    "00",
    "000",
    "-1",
    "default",
    "noname",
    "no name",
    "brak",
    "tidak ada",
    "khong co",
    "không có",
    "không",
    "kosong",
}
_PLACEHOLDER_NAMES = _PLACEHOLDER_TEXT | {
    "customer",
    "guest",
    "walk in",
    "walkin",
    "walk-in",
    "cash",
    "cash customer",
    "anonymous",
    "anon",
    "client",
    "klient",
    "pelanggan",
    "khach",
    "khach hang",
    "khách hàng",
    "user",
    "member",
    "mr",
    "mrs",
    "ms",
    "test test",
    "john doe",
    "jane doe",
    "doe",
    "sample",
}
_HONORIFICS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "sir",
    "madam",
    "pan",
    "pani",
    "bapak",
    "bpk",
    "pak",
    "ibu",
    "bu",
    "sdr",
    "sdri",
    "ong",
    "ba",
    "anh",
    "chi",
}
# Vietnamese "anh"/"chi"/"ba"/"ong" are also given names: only stripped when leading a longer name.
_AMBIGUOUS_HONORIFICS = {"ong", "ba", "anh", "chi", "bu", "pak"}

# Short forms -> canonical given name. Small on purpose: a wrong entry would glue two people.
_NICK_GROUPS = {
    "william": ["bill", "billy", "will", "willy", "liam"],
    "robert": ["bob", "bobby", "rob", "robbie", "bert"],
    "richard": ["rick", "ricky", "dick", "rich", "richie"],
    "james": ["jim", "jimmy", "jamie"],
    "john": ["jack", "johnny", "jon"],
    "joseph": ["joe", "joey"],
    "michael": ["mike", "mikey", "mick"],
    "thomas": ["tom", "tommy"],
    "charles": ["charlie", "chuck"],
    "christopher": ["chris", "kit"],
    "daniel": ["dan", "danny"],
    "matthew": ["matt"],
    "anthony": ["tony"],
    "andrew": ["andy", "drew"],
    "edward": ["ed", "eddie", "ted", "teddy"],
    "benjamin": ["ben", "benny"],
    "samuel": ["sam", "sammy"],
    "alexander": ["alex"],
    "nicholas": ["nick", "nicky"],
    "jonathan": ["jon"],
    "steven": ["steve", "stephen"],
    "timothy": ["tim", "timmy"],
    "kenneth": ["ken", "kenny"],
    "ronald": ["ron", "ronnie"],
    "donald": ["don", "donnie"],
    "gregory": ["greg"],
    "jeffrey": ["jeff"],
    "joshua": ["josh"],
    "patrick": ["pat"],
    "peter": ["pete"],
    "raymond": ["ray"],
    "lawrence": ["larry"],
    "gerald": ["jerry"],
    "elizabeth": ["liz", "lizzie", "beth", "betty", "eliza", "betsy"],
    "margaret": ["maggie", "meg", "peggy", "marge"],
    "katherine": ["kate", "katie", "kathy", "catherine", "kathryn", "cathy"],
    "jennifer": ["jen", "jenny"],
    "jessica": ["jess", "jessie"],
    "patricia": ["patty", "trish", "tricia"],
    "susan": ["sue", "susie"],
    "deborah": ["deb", "debbie", "debra"],
    "rebecca": ["becky", "becca"],
    "barbara": ["barb"],
    "christine": ["chris", "tina", "christina"],
    "victoria": ["vicky", "tori"],
    "abigail": ["abby"],
    "samantha": ["sam"],
    "dorothy": ["dot", "dottie"],
    "pamela": ["pam"],
    "kimberly": ["kim"],
    "cynthia": ["cindy"],
    "amanda": ["mandy"],
    "melissa": ["mel"],
    "alexandra": ["sasha"],
    # Polish
    "katarzyna": ["kasia", "kaska", "kasienka"],
    "malgorzata": ["gosia", "malgosia", "goska"],
    "aleksandra": ["ola", "olka"],
    "agnieszka": ["aga", "agusia"],
    "magdalena": ["magda"],
    "joanna": ["asia", "joasia"],
    "barbara_pl": ["basia"],
    "elzbieta": ["ela", "elka"],
    "zofia": ["zosia"],
    "anna": ["ania", "anka", "anusia"],
    "maria": ["marysia"],
    "krystyna": ["krysia"],
    "dorota": ["dorotka"],
    "ewa": ["ewka"],
    "monika": ["monia"],
    "krzysztof": ["krzys", "krzysiek"],
    "aleksander": ["olek", "alek"],
    "tomasz": ["tomek"],
    "piotr": ["piotrek"],
    "pawel": ["pawelek"],
    "jakub": ["kuba"],
    "wojciech": ["wojtek"],
    "grzegorz": ["grzesiek", "grzes"],
    "stanislaw": ["staszek", "stas"],
    "andrzej": ["andrzejek", "jedrek"],
    "marcin": ["marcinek"],
    "michal": ["michas"],
    "bartlomiej": ["bartek"],
    "jan": ["janek", "jasiek"],
    "jozef": ["jozek"],
    "zbigniew": ["zbyszek"],
    "mateusz": ["mati"],
    "przemyslaw": ["przemek"],
    "wladyslaw": ["wladek"],
    "kazimierz": ["kazik"],
    # Indonesian / Arabic-derived
    "muhammad": [
        "muh",
        "moh",
        "mohd",
        "muhd",
        "mohammad",
        "mohammed",
        "muhamad",
        "mochammad",
        "mochamad",
        "mohamad",
        "mohamed",
        "muhammed",
    ],
    "abdul": ["abd"],
    "ahmad": ["ahmed", "achmad"],
    "nur": ["nurul"],
    # Vietnamese accent-stripped spellings are handled by accent folding.
}
NICKNAMES: dict[str, str] = {}
for _canon, _nicks in _NICK_GROUPS.items():
    for _n in _nicks:
        NICKNAMES.setdefault(_n, _canon.split("_")[0])

_NON_ALNUM = re.compile(r"[^0-9a-z@._+\- ]+")
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
    s = s.translate(_SPECIAL_FOLD)
    if s.isascii():
        return s
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPECIAL_FOLD)


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
    return low.strip(" .") in _PLACEHOLDER_TEXT or low in _PLACEHOLDER_TEXT


@lru_cache(maxsize=500_000)
def normalize_name(s: object) -> str | None:
    """Lower-case, accent-folded, punctuation-free name (``"  Nguyễn Văn-Anh "`` -> ``nguyen van anh``).

    Returns None for placeholders. Token order is kept; see :func:`canonical_name` for matching.
    """
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in _PLACEHOLDER_NAMES:
        return None
    low = _NON_ALPHA_SPACE.sub(" ", low.replace("'", ""))
    low = _SPACES.sub(" ", low).strip()
    if not low or low in _PLACEHOLDER_NAMES:
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
        while len(toks) > 1 and toks[0] in _HONORIFICS and (toks[0] not in _AMBIGUOUS_HONORIFICS or len(toks) > 3):
            toks = toks[1:]
    return [NICKNAMES.get(t, t) for t in toks]


@lru_cache(maxsize=500_000)
def canonical_name(s: object) -> str | None:
    """Canonical tokens of one name field joined by spaces, order kept (``"Kasia"`` -> ``katarzyna``)."""
    toks = name_tokens(s)
    return " ".join(toks) if toks else None


# --- email -------------------------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(\.[a-z0-9\-]+)+$")
_PLACEHOLDER_LOCAL = {
    "no",
    "none",
    "noemail",
    "no-email",
    "no_email",
    "no.email",
    "nomail",
    "no-mail",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "test",
    "testing",
    "email",
    "mail",
    "null",
    "na",
    "n-a",
    "unknown",
    "customer",
    "guest",
    "x",
    "xx",
    "xxx",
    "xxxx",
    "abc",
    "asdf",
    "a",
    "aa",
    "aaa",
    "example",
    "sample",
    "dummy",
    "fake",
    "brak",
    "tidakada",
    "khongco",
    "info",
    "noname",
    "notprovided",
    "not-provided",
    "noemailaddress",
    "none.none",
    "123",
    "1234",
    "12345",
}
_PLACEHOLDER_DOMAINS = {
    "example.com",
    "example.org",
    "example.net",
    "test.com",
    "email.com.invalid",
    "invalid",
    "none.com",
    "noemail.com",
    "nomail.com",
    "no-email.com",
    "noreply.com",
    "mailinator.com",
    "domain.com",
    "xxx.com",
    "abc.com",
    "test.test",
    "localhost",
}
# Domains whose mailbox ignores dots in the local part.
_DOT_INSENSITIVE = {"gmail.com", "googlemail.com"}
# Domains where "+tag" is a sub-address of the same mailbox.
_PLUS_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "yahoo.com",
    "proton.me",
    "protonmail.com",
    "fastmail.com",
}


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
    if local in _PLACEHOLDER_LOCAL or domain in _PLACEHOLDER_DOMAINS:
        return None
    if len(set(local.replace(".", ""))) <= 1:  # aaaa@, 0000@
        return None
    if canonical_mailbox:
        if domain == "googlemail.com":
            domain = "gmail.com"
        if domain in _PLUS_DOMAINS and "+" in local:
            local = local.split("+", 1)[0]
        if domain in _DOT_INSENSITIVE:
            local = local.replace(".", "")
        if not local:
            return None
    return f"{local}@{domain}"


# --- phone -------------------------------------------------------------------------------------------
_PHONE_FALLBACK_REGIONS = ("ID", "VN", "PL", "US")


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
    regions.extend(r for r in _PHONE_FALLBACK_REGIONS if r not in regions)
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
_PLACEHOLDER_DATES = {"1900-01-01", "1901-01-01", "1899-12-31", "1800-01-01", "2000-01-01", "1111-11-11"}


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
    return None if iso in _PLACEHOLDER_DATES else iso


_ADDR_ABBREV = {
    "street": "st",
    "str": "st",
    "road": "rd",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "square": "sq",
    "highway": "hwy",
    "apartment": "apt",
    "suite": "ste",
    "unit": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "jalan": "jl",
    "jln": "jl",
    "gang": "gg",
    "nomor": "no",
    "nr": "no",
    "number": "no",
    "ulica": "ul",
    "aleja": "al",
    "aleje": "al",
    "osiedle": "os",
    "mieszkanie": "m",
    "lokal": "m",
    "duong": "d",
    "pho": "p",
    "phuong": "p",
    "quan": "q",
}
_ADDR_DROP = {"no", "the"}
_ADDR_SPLIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z]{2,})")


@lru_cache(maxsize=500_000)
def normalize_address(s: object) -> str | None:
    """Street line, lower-case, accent-folded, punctuation removed, common street words abbreviated."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in _PLACEHOLDER_TEXT:
        return None
    low = re.sub(r"[^a-z0-9 ]+", " ", low)
    low = _ADDR_SPLIT.sub(" ", low)
    toks = [_ADDR_ABBREV.get(t, t) for t in low.split()]
    toks = [t for t in toks if t not in _ADDR_DROP]
    out = " ".join(toks)
    return out or None


@lru_cache(maxsize=200_000)
def normalize_postcode(s: object) -> str | None:
    """Postcode with spaces and dashes removed, upper-case (``00-950`` -> ``00950``)."""
    s = _clean_str(s)
    if s is None:
        return None
    out = re.sub(r"[^0-9A-Za-z]+", "", s).upper()
    if not out or len(set(out)) == 1 or out.lower() in _PLACEHOLDER_TEXT:
        return None
    return out


_CITY_ALIASES = {
    "hcm": "ho chi minh",
    "hcmc": "ho chi minh",
    "tp hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "saigon": "ho chi minh",
    "sai gon": "ho chi minh",
    "tp ho chi minh": "ho chi minh",
    "thanh pho ho chi minh": "ho chi minh",
    "ho chi minh city": "ho chi minh",
    "hn": "ha noi",
    "hanoi": "ha noi",
    "tp ha noi": "ha noi",
    "jkt": "jakarta",
    "dki jakarta": "jakarta",
    "warszawa": "warsaw",
    "krakow": "krakow",
    "nyc": "new york",
    "new york city": "new york",
}


@lru_cache(maxsize=100_000)
def normalize_city(s: object) -> str | None:
    """City, lower-case, accent-folded, with a few common aliases (``TP.HCM`` -> ``ho chi minh``)."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower())
    if low.strip(" .") in _PLACEHOLDER_TEXT:
        return None
    low = _SPACES.sub(" ", re.sub(r"[^a-z0-9 ]+", " ", low)).strip()
    return _CITY_ALIASES.get(low, low) or None


_COUNTRY_ALIASES = {
    "indonesia": "ID",
    "viet nam": "VN",
    "vietnam": "VN",
    "poland": "PL",
    "polska": "PL",
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "uk": "GB",
}


@lru_cache(maxsize=10_000)
def normalize_country(s: object) -> str | None:
    """ISO 3166-1 alpha-2, upper-case; a few spelled-out names accepted."""
    s = _clean_str(s)
    if s is None:
        return None
    low = fold_accents(s.lower()).strip(" .")
    if low in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[low]
    if len(low) == 2 and low.isalpha():
        return low.upper()
    return None


# --- compatibility checks used by clustering ---------------------------------------------------------
def _edit_distance_le1(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        # adjacent transposition
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # initial
        return a[0] == b[0]
    # One typo is tolerated in longer names only (Hung/Tung, Hong/Huong are different people); swapped
    # neighbouring letters (Hugn/Hung) make no new name, so they are tolerated from four letters.
    if min(len(a), len(b)) >= 5 and _edit_distance_le1(a, b):
        return True
    if len(a) == len(b) >= 4 and sorted(a) == sorted(b) and _edit_distance_le1(a, b):
        return True
    # one is a prefix of the other ("kat" / "katarzyna") only for clear abbreviations
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) >= 3


def names_compatible(a: tuple[str, ...] | list[str] | None, b: tuple[str, ...] | list[str] | None) -> bool:
    """Can two canonical token sets name the same person? Every token of the shorter name must match a
    token of the longer (exactly, by nickname, as an initial or within one typo), so ``Anna Nowak`` and
    ``Piotr Nowak`` are incompatible while ``Nguyen Anh`` and ``Anh Nguyen Van`` are compatible."""
    if not a or not b:
        return True
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    used: set[int] = set()
    for t in small:
        hit = False
        for j, u in enumerate(big):
            if j not in used and _tokens_match(t, u):
                used.add(j)
                hit = True
                break
        if not hit:
            return False
    return True


def dates_compatible(a: str | None, b: str | None) -> bool:
    """Birth dates that could be one person's: equal, one typo apart, or day and month swapped."""
    if not a or not b or a == b:
        return True
    if len(a) != 10 or len(b) != 10:
        return False
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    return _edit_distance_le1(a, b)


def register_udfs(con: object, prefix: str = "identity_") -> list[str]:
    """Register the cleaning functions on a DuckDB connection (``identity_normalize_email(x)``, …).

    This is how staging SQL reuses the rules instead of restating them. Returns the function names.
    """
    one = {
        "normalize_name": normalize_name,
        "canonical_name": canonical_name,
        "normalize_email": normalize_email,
        "normalize_date": normalize_date,
        "normalize_address": normalize_address,
        "normalize_postcode": normalize_postcode,
        "normalize_city": normalize_city,
        "normalize_country": normalize_country,
    }

    def unary(f):  # DuckDB counts defaulted parameters, so wrap to the exact arity
        return lambda s: f(s)

    def binary(f):
        return lambda s, c: f(s, c)

    names = []
    for name, fn in one.items():
        con.create_function(
            f"{prefix}{name}",
            unary(fn),
            ["VARCHAR"],
            "VARCHAR",  # type: ignore[attr-defined]
            null_handling="special",
            side_effects=False,
        )
        names.append(f"{prefix}{name}")
    for name, fn in {"normalize_phone": normalize_phone, "phone_key": phone_key}.items():
        con.create_function(
            f"{prefix}{name}",
            binary(fn),
            ["VARCHAR", "VARCHAR"],  # type: ignore[attr-defined]
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )
        names.append(f"{prefix}{name}")
    con.create_function(
        f"{prefix}is_placeholder",
        lambda s, k: is_placeholder(s, k or "text"),  # type: ignore[attr-defined]
        ["VARCHAR", "VARCHAR"],
        "BOOLEAN",
        null_handling="special",
        side_effects=False,
    )
    names.append(f"{prefix}is_placeholder")
    return names


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
