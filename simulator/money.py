"""Order arithmetic shared by the Shopify and Square renderers (all in minor units)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from .catalog import COUNTRY_BY_CODE, EXPONENT, PRICE_MINOR
from .model import Order


@dataclass(frozen=True, slots=True)
class Line:
    product: int
    quantity: int
    unit: int
    gross: int
    discount: int
    tax: int  # included in the price

    @property
    def total(self) -> int:
        return self.gross - self.discount


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[Line, ...]
    gross: int
    discount: int
    tax: int
    total: int


@cache
def line(product: int, qty: int, discount_pct: int, currency: str, country: str) -> Line:
    """One order line's arithmetic. Cached: a few thousand keys at most (products × quantities × discounts × the
    currency of each country), and every order of every page is made of them."""
    unit, vat = PRICE_MINOR[currency][product], COUNTRY_BY_CODE[country].vat
    gross = unit * qty
    discount = gross * discount_pct // 100
    return Line(product, qty, unit, gross, discount, round((gross - discount) * vat / (1 + vat)))


def totals(order: Order) -> Totals:
    """Lines and totals of ``order``; prices include VAT, discounts apply per line."""
    pct, currency, country = order.discount_pct, order.currency, order.country
    lines = tuple([line(product, qty, pct, currency, country) for product, qty in order.lines])
    gross = discount = tax = 0
    for x in lines:
        gross, discount, tax = gross + x.gross, discount + x.discount, tax + x.tax
    return Totals(lines, gross, discount, tax, gross - discount)


@lru_cache(maxsize=1 << 14)
def decimal_string(minor: int, currency: str) -> str:
    """Minor units as Shopify's two-decimal string: 12500000 IDR → "125000.00". Cached (bounded): unit prices and
    line amounts repeat from order to order."""
    exponent = EXPONENT[currency]
    sign, minor = ("-" if minor < 0 else ""), abs(minor)
    if exponent == 0:
        return f"{sign}{minor}.00"
    units, cents = divmod(minor, 10**exponent)
    return f"{sign}{units}.{cents:0{exponent}d}"
