"""API identifiers derived from a record's creation sequence number.

Every function is a bijection of ``seq`` (an odd multiplier modulo a power of two), so IDs are
unique, stable from day to day, and look like the real services' IDs.
"""

from __future__ import annotations

import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"  # 62 symbols


def _mix(seq: int, salt: int, bits: int) -> int:
    mask = (1 << bits) - 1
    return ((seq + 1) * 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95 + salt) & mask


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, r = divmod(value, 32)
        chars.append(_CROCKFORD[r])
    return "".join(chars)


def shopify_customer_id(seq: int) -> int:
    return 7_210_000_000_000 + seq * 1_009


def shopify_order_id(seq: int) -> int:
    return 5_900_000_000_000 + seq * 1_013


def shopify_checkout_id(seq: int) -> int:
    return 3_100_000_000_000 + seq * 1_019


def shopify_checkout_token(seq: int) -> str:
    return f"{_mix(seq, 0x5EED, 128):032x}"


def square_customer_id(seq: int) -> str:
    return _base32(_mix(seq, 0xC057, 130), 26)


def _base62(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, r = divmod(value, 62)
        chars.append(_ALNUM[r])
    return "".join(chars)


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


def customer_record_id(system: str, seq: int) -> str:
    """The ID the API returns for a customer/contact record, as a string (truth.csv)."""
    if system == "shopify":
        return str(shopify_customer_id(seq))
    if system == "square":
        return square_customer_id(seq)
    return hubspot_contact_id(seq)
