"""Order arithmetic shared by the Shopify and Square renderers (all in minor units)."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import COUNTRY_BY_CODE, EXPONENT, PRICE_MINOR
from .model import Order


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[tuple[int, int, int], ...]  # (product index, quantity, unit price)
    gross: int
    discount: int
    tax: int  # included in the prices
    total: int


def totals(order: Order) -> Totals:
    prices = PRICE_MINOR[order.currency]
    lines = tuple((product, qty, prices[product]) for product, qty in order.lines)
    gross = sum(qty * unit for _, qty, unit in lines)
    discount = gross * order.discount_pct // 100
    total = gross - discount
    vat = COUNTRY_BY_CODE[order.country].vat
    return Totals(lines, gross, discount, round(total * vat / (1 + vat)), total)


def decimal_string(minor: int, currency: str) -> str:
    """Minor units as Shopify's two-decimal string: 12500000 IDR → "125000.00"."""
    exponent = EXPONENT[currency]
    sign, minor = ("-" if minor < 0 else ""), abs(minor)
    if exponent == 0:
        return f"{sign}{minor}.00"
    units, cents = divmod(minor, 10**exponent)
    return f"{sign}{units}.{cents:0{exponent}d}"
