"""API identifiers derived from a record's creation sequence number.

Every function is a bijection of ``seq`` (an odd multiplier modulo a power of two), so IDs are
unique, stable from day to day, and look like the real services' IDs.
"""

from __future__ import annotations

import uuid
from functools import cache

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"  # 62 symbols
# Shopify IDs by kind: (first ID, step between consecutive records).
_SHOPIFY_ID_SCHEMES = {
    "Customer": (7_210_000_000_000, 1_009),
    "Order": (5_900_000_000_000, 1_013),
    "AbandonedCheckout": (3_100_000_000_000, 1_019),
}


def _mix(seq: int, salt: int, bits: int) -> int:
    mask = (1 << bits) - 1
    return ((seq + 1) * 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95 + salt) & mask


def _digit_triples(alphabet: str) -> tuple[str, ...]:
    """Every value below base**3 as its three digits, least significant first."""
    base = len(alphabet)
    return tuple(alphabet[v % base] + alphabet[v // base % base] + alphabet[v // base // base] for v in range(base**3))


_CROCKFORD_TRIPLES = _digit_triples(_CROCKFORD)
_ALNUM_TRIPLES = _digit_triples(_ALNUM)


def _digits(value: int, length: int, alphabet: str, triples: tuple[str, ...]) -> str:
    """`value` as `length` digits of `alphabet`, least significant first; three digits a step (IDs are rendered for
    every record of every page: digit by digit this was half of what rendering a sale cost)."""
    base = len(alphabet)
    cube = base**3
    chunks = []
    for _ in range(length // 3):
        value, r = divmod(value, cube)
        chunks.append(triples[r])
    for _ in range(length % 3):
        value, r = divmod(value, base)
        chunks.append(alphabet[r])
    return "".join(chunks)


def _base32(value: int, length: int) -> str:
    return _digits(value, length, _CROCKFORD, _CROCKFORD_TRIPLES)


def shopify_customer_id(seq: int) -> int:
    base, step = _SHOPIFY_ID_SCHEMES["Customer"]
    return base + seq * step


def shopify_order_id(seq: int) -> int:
    base, step = _SHOPIFY_ID_SCHEMES["Order"]
    return base + seq * step


def shopify_checkout_id(seq: int) -> int:
    base, step = _SHOPIFY_ID_SCHEMES["AbandonedCheckout"]
    return base + seq * step


def shopify_checkout_token(seq: int) -> str:
    return f"{_mix(seq, 0x5EED, 128):032x}"


@cache  # a customer's ID is on each of their orders and payments: computed once (a 30th of the records at most)
def square_customer_id(seq: int) -> str:
    return _base32(_mix(seq, 0xC057, 130), 26)


def _base62(value: int, length: int) -> str:
    return _digits(value, length, _ALNUM, _ALNUM_TRIPLES)


def square_order_id(seq: int) -> str:
    return _base62(_mix(seq, 0x0D3E, 160), 28)  # 2**160 < 62**28


def square_payment_id(seq: int) -> str:
    return _base62(_mix(seq, 0x9A7E, 170), 29)  # 2**170 < 62**29


def hubspot_contact_id(seq: int) -> str:
    return str(51 + seq * 50)


def hubspot_ticket_id(seq: int) -> str:
    return str(1_001 + seq * 3)


def email_event_id(seq: int) -> str:
    return str(uuid.UUID(int=_mix(seq, 0xE7E7, 128), version=4))


def _uuid(seq: int, salt: int) -> str:
    return str(uuid.UUID(int=_mix(seq, salt, 128), version=4))


# Square Loyalty: one program; an account (and its phone mapping) per enrolled Square customer, keyed by the
# customer's sequence number; events and rewards numbered within their account (IDs stay put as days pass).
LOYALTY_PROGRAM_ID = _uuid(0, 0x10AA)
_PER_ACCOUNT = 1 << 20


def loyalty_account_id(customer_seq: int) -> str:
    return _uuid(customer_seq, 0x1A11)


def loyalty_mapping_id(customer_seq: int) -> str:
    return _uuid(customer_seq, 0x1A22)


def loyalty_event_id(customer_seq: int, number: int) -> str:
    return _uuid(customer_seq * _PER_ACCOUNT + number, 0x1E77)


def loyalty_reward_id(customer_seq: int, number: int) -> str:
    return _uuid(customer_seq * _PER_ACCOUNT + number, 0x1EAD)


def loyalty_tier_id(number: int) -> str:
    return _uuid(number, 0x1713)


def hubspot_feedback_submission_id(seq: int) -> str:
    return str(2_001 + seq * 7)


def web_client_id(kind: int, number: int) -> str:
    """A Web Pixels `clientId` (a UUID): `kind` keeps people's devices, shop tablets and visitors apart."""
    return _uuid(number * 8 + kind, 0xC11E)


def web_event_id(number: int) -> str:
    """A Web Pixels event `id` (`sh-` and a UUID, as Shopify sends them)."""
    return "sh-" + _uuid(number, 0xE5E1)


def customer_record_id(system: str, seq: int) -> str:
    """The ID the API returns for a customer/contact record, as a string (truth.csv)."""
    if system == "shopify":
        return str(shopify_customer_id(seq))
    if system == "square":
        return square_customer_id(seq)
    return hubspot_contact_id(seq)


def shopify_seq(kind: str, legacy_id: int) -> int | None:
    """The sequence number behind a Shopify ID of `kind` (`Customer`, `Order`, `AbandonedCheckout`); None when no
    record can have that ID."""
    base, step = _SHOPIFY_ID_SCHEMES[kind]
    seq, rest = divmod(legacy_id - base, step)
    return seq if rest == 0 and seq >= 0 else None
