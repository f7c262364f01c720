"""API identifiers derived from a record's creation sequence number.

Every function is a bijection of ``seq`` (an odd multiplier modulo a power of two), so IDs are
unique, stable from day to day, and look like the real services' IDs.
"""

from __future__ import annotations

import threading
import uuid

import numpy as np

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"  # 62 symbols
# Shopify IDs by kind: (first ID, step between consecutive records).
_SHOPIFY_ID_SCHEMES = {
    "Customer": (7_210_000_000_000, 1_009),
    "Order": (5_900_000_000_000, 1_013),
    "AbandonedCheckout": (3_100_000_000_000, 1_019),
}


_MULTIPLIER = 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95


def _mix(seq: int, salt: int, bits: int) -> int:
    mask = (1 << bits) - 1
    return ((seq + 1) * _MULTIPLIER + salt) & mask


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


class _Table:
    """The IDs of one kind for sequence numbers 0, 1, 2, …, computed together and kept as fixed-width ASCII in one bytes
    object: Square's IDs are base-32 and base-62 numbers of 130 to 170 bits, digit by digit the larger part of what
    rendering an order cost, and an ID never changes (a bijection of `seq`), so each is computed once per process."""

    _CHUNK = 1 << 16  # rows converted at once: the arrays of a chunk take a few MB

    def __init__(self, salt: int, bits: int, length: int, alphabet: str, triples: tuple[str, ...]) -> None:
        self.salt, self.bits, self.length, self.alphabet, self.triples = salt, bits, length, alphabet, triples
        self.ids = b""
        self._lock = threading.Lock()

    def computed(self, seq: int) -> str:
        return _digits(_mix(seq, self.salt, self.bits), self.length, self.alphabet, self.triples)

    def __call__(self, seq: int) -> str:
        end = (seq + 1) * self.length
        if seq >= 0 and end <= len(self.ids):
            return self.ids[end - self.length : end].decode()
        return self.computed(seq)

    def extend(self, count: int) -> None:
        """Hold the IDs of sequence numbers below `count` (more than held: the days only add records)."""
        with self._lock:
            held = len(self.ids) // self.length
            chunks = [self.ids]
            for first in range(held, count, self._CHUNK):
                chunks.append(self._convert(first, min(self._CHUNK, count - first)))
            self.ids = b"".join(chunks)

    def clear(self) -> None:
        with self._lock:
            self.ids = b""

    def _convert(self, first: int, count: int) -> bytes:
        """`computed` for `count` sequence numbers from `first`, with numpy across all rows at once: `_mix` as 32-bit
        limbs (the multiplier limb by limb, carries passed on), divided by base³ (then base), the remainders looked
        up in the alphabet."""
        limbs = np.empty((count, (self.bits + 31) // 32), dtype=np.uint64)
        factor = np.arange(first + 1, first + count + 1, dtype=np.uint64)  # seq + 1, below 2**32
        carry = np.full(count, self.salt, dtype=np.uint64)
        low = np.uint64(0xFFFFFFFF)
        for limb in range(limbs.shape[1]):
            product = factor * np.uint64(_MULTIPLIER >> (32 * limb) & 0xFFFFFFFF) + carry  # below 2**64
            limbs[:, limb] = product & low
            carry = product >> np.uint64(32)
        limbs[:, -1] &= np.uint64((1 << (self.bits - 32 * (limbs.shape[1] - 1))) - 1)
        base = len(self.alphabet)
        letters = np.frombuffer(self.alphabet.encode(), dtype=np.uint8)
        out = np.empty((count, self.length), dtype=np.uint8)
        position = 0
        while position < self.length:
            digits = 3 if self.length - position >= 3 else 1
            divisor = np.uint64(base**digits)
            rest = np.zeros(count, dtype=np.uint64)
            for limb in range(limbs.shape[1] - 1, -1, -1):
                limbs[:, limb], rest = np.divmod((rest << np.uint64(32)) | limbs[:, limb], divisor)
            for _ in range(digits):
                out[:, position] = letters[rest % np.uint64(base)]
                rest //= np.uint64(base)
                position += 1
        return out.tobytes()


square_customer_id = _Table(0xC057, 130, 26, _CROCKFORD, _CROCKFORD_TRIPLES)
square_order_id = _Table(0x0D3E, 160, 28, _ALNUM, _ALNUM_TRIPLES)  # 2**160 < 62**28
square_payment_id = _Table(0x9A7E, 170, 29, _ALNUM, _ALNUM_TRIPLES)  # 2**170 < 62**29


def hold_square_ids(customers: int, orders: int) -> None:
    """Compute Square's IDs up to these counts of customers and orders at once (a world's index does, once a day):
    a page then looks its IDs up."""
    square_customer_id.extend(customers)
    square_order_id.extend(orders)
    square_payment_id.extend(orders)


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
