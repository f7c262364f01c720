"""Order arithmetic shared by the Shopify and Square renderers (all in minor units)."""

from __future__ import annotations

from dataclasses import dataclass

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


def totals(order: Order) -> Totals:
    """Lines and totals of ``order``; prices include VAT, discounts apply per line."""
    prices, vat = PRICE_MINOR[order.currency], COUNTRY_BY_CODE[order.country].vat
    lines = []
    for product, qty in order.lines:
        gross = prices[product] * qty
        discount = gross * order.discount_pct // 100
        lines.append(Line(product, qty, prices[product], gross, discount, round((gross - discount) * vat / (1 + vat))))
    gross, discount = sum(x.gross for x in lines), sum(x.discount for x in lines)
    return Totals(tuple(lines), gross, discount, sum(x.tax for x in lines), gross - discount)


def decimal_string(minor: int, currency: str) -> str:
    """Minor units as Shopify's two-decimal string: 12500000 IDR → "125000.00"."""
    exponent = EXPONENT[currency]
    sign, minor = ("-" if minor < 0 else ""), abs(minor)
    if exponent == 0:
        return f"{sign}{minor}.00"
    units, cents = divmod(minor, 10**exponent)
    return f"{sign}{units}.{cents:0{exponent}d}"
