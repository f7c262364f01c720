"""The simulated world as Shopify's GraphQL Admin API shows it: one view per object, a property per GraphQL field.

A view computes a field only when a query selects it (`graphql.project` reads them by name), so a query for a few
fields of an order pays for those, not for the dozen money bags it could ask for: rendering is most of what the
simulator spends per record. IDs are global IDs (`gid://shopify/<Type>/<id>`) with the numeric ID as
`legacyResourceId` (an `UnsignedInt64`, sent as a string); times are UTC; money is a `MoneyBag` of decimal strings
in the order's currency (the shop money of a multi-currency shop that settles in the buyer's currency).
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from .. import delivery
from ..catalog import COUNTRY_BY_CODE, PRODUCTS, Product
from ..ids import shopify_checkout_id, shopify_checkout_token, shopify_customer_id, shopify_order_id
from ..malformed import LONG_STRING, cursor_value, invalid_email, legacy_bytes
from ..model import Customer, Order
from ..money import Line, Totals, decimal_string, totals
from ..web import iso_utc

SHOP_DOMAIN = "cdp-demo.myshopify.com"
SHOP_ID = 60_000_000_001
_GATEWAYS = ("shopify_payments", "manual", "paypal")
ORDER_LINE_ID_BASE = 14_000_000_000_000
CHECKOUT_LINE_ID_BASE = 15_000_000_000_000
SHIPPING_LINE_ID_BASE = 16_000_000_000_000
ADDRESS_ID_OFFSET = 2_000_000_000_000


def gid(kind: str, numeric: int | str) -> str:
    return f"gid://shopify/{kind}/{numeric}"


class View:
    """An object of the API, read field by field (properties named as Shopify's GraphQL fields)."""


# A small object whose fields are all known up front.
Fields = SimpleNamespace


class Money(View):
    """A `MoneyV2`."""

    __slots__ = ("amount", "currencyCode")

    def __init__(self, amount: str, currency: str) -> None:
        self.amount, self.currencyCode = amount, currency


class MoneyBag(View):
    """A `MoneyBag`: the same amount in shop and presentment money."""

    __slots__ = ("shopMoney", "presentmentMoney")

    def __init__(self, minor: int, currency: str) -> None:
        self.shopMoney = self.presentmentMoney = Money(decimal_string(minor, currency), currency)


@lru_cache(maxsize=1 << 14)
def Bag(minor: int, currency: str) -> MoneyBag:  # noqa: N802 (read as the object it makes)
    """The `MoneyBag` of an amount, made once for amounts that repeat (unit prices, line totals): it is read, never
    changed."""
    return MoneyBag(minor, currency)


class Address(View):
    """A customer's `MailingAddress`; `fallback` fills a missing street from the person (an order ships somewhere)."""

    __slots__ = ("c", "fallback")

    def __init__(self, c: Customer, fallback: bool = False) -> None:
        self.c, self.fallback = c, fallback

    id = property(lambda self: gid("MailingAddress", shopify_customer_id(self.c.seq) + ADDRESS_ID_OFFSET))
    firstName = property(lambda self: self.c.first)
    lastName = property(lambda self: self.c.last)
    name = property(lambda self: f"{self.c.first or ''} {self.c.last or ''}".strip())
    company = property(lambda self: None)
    address1 = property(lambda self: self.c.street or (self.c.person.street if self.fallback else None))
    address2 = property(lambda self: self.c.street2)
    city = property(lambda self: self.c.city or (self.c.person.city if self.fallback else None))
    province = property(lambda self: self.c.province)
    provinceCode = property(lambda self: None)
    country = property(lambda self: COUNTRY_BY_CODE[self.c.country].name)
    countryCodeV2 = property(lambda self: self.c.country)
    zip = property(lambda self: self.c.zip or (self.c.person.zip if self.fallback else None))
    phone = property(lambda self: self.c.phone)


class CustomerView(View):
    __slots__ = ("c",)

    def __init__(self, c: Customer) -> None:
        self.c = c

    id = property(lambda self: gid("Customer", shopify_customer_id(self.c.seq)))
    legacyResourceId = property(lambda self: str(shopify_customer_id(self.c.seq)))
    firstName = property(lambda self: self.c.first)
    createdAt = property(lambda self: iso_utc(self.c.created))
    updatedAt = property(lambda self: cursor_value(self.c.defect, self.c.updated, iso_utc))
    phone = property(lambda self: self.c.phone)
    state = property(lambda self: "ENABLED")
    tags = property(lambda self: ["VIP"] if self.c.person.activity > 2.5 else [])
    taxExempt = property(lambda self: False)
    locale = property(lambda self: COUNTRY_BY_CODE[self.c.country].locale.replace("_", "-"))
    defaultAddress = property(lambda self: Address(self.c) if self.c.street else None)
    addresses = property(lambda self: [Address(self.c)] if self.c.street else [])

    @property
    def lastName(self) -> str | None:
        return legacy_bytes(self.c.last) if self.c.defect == "invalid_utf8" else self.c.last

    @property
    def displayName(self) -> str:
        return f"{self.c.first or ''} {self.c.last or ''}".strip() or self.c.email or self.c.phone or ""

    @property
    def email(self) -> str | None:
        return invalid_email(self.c.email, self.c.seq) if self.c.defect == "invalid_email" else self.c.email

    @property
    def verifiedEmail(self) -> Any:
        return "yes" if self.c.defect == "wrong_type" else True

    @property
    def note(self) -> str | None:
        return LONG_STRING if self.c.defect == "long_string" else None

    @property
    def emailMarketingConsent(self) -> Fields | None:
        c = self.c
        if not c.email:
            return None  # Shopify: no email address, nothing to consent for
        if c.subscribed:
            state = "SUBSCRIBED"
        else:
            state = "NOT_SUBSCRIBED" if c.consent_updated == c.created else "UNSUBSCRIBED"
        return Fields(
            marketingState=state, marketingOptInLevel="SINGLE_OPT_IN", consentUpdatedAt=iso_utc(c.consent_updated)
        )

    @property
    def smsMarketingConsent(self) -> Fields | None:
        if not self.c.phone:
            return None
        return Fields(
            marketingState="NOT_SUBSCRIBED",
            marketingOptInLevel="SINGLE_OPT_IN",
            consentUpdatedAt=None,
            consentCollectedFrom="OTHER",
        )


class ProductView(View):
    __slots__ = ("p",)

    def __init__(self, p: Product) -> None:
        self.p = p

    id = property(lambda self: gid("Product", self.p.product_id))
    legacyResourceId = property(lambda self: str(self.p.product_id))
    title = property(lambda self: self.p.title)
    vendor = property(lambda self: self.p.vendor)


class VariantView(View):
    __slots__ = ("p",)

    def __init__(self, p: Product) -> None:
        self.p = p

    id = property(lambda self: gid("ProductVariant", self.p.variant_id))
    legacyResourceId = property(lambda self: str(self.p.variant_id))
    title = property(lambda self: self.p.variant)
    sku = property(lambda self: self.p.sku)


class LineItemView(View):
    """A `LineItem` of an order or an `AbandonedCheckoutLineItem` of a checkout."""

    __slots__ = ("o", "line", "p", "position", "line_id")

    def __init__(self, o: Order, line: Line, position: int, kind: str, id_base: int) -> None:
        self.o, self.line, self.p, self.position = o, line, PRODUCTS[line.product], position
        self.line_id = gid(kind, id_base + o.seq * 8 + position)

    id = property(lambda self: self.line_id)
    name = property(lambda self: f"{self.p.title} - {self.p.variant}")
    title = property(lambda self: self.p.title)
    variantTitle = property(lambda self: self.p.variant)
    sku = property(lambda self: self.p.sku)
    vendor = property(lambda self: self.p.vendor)
    requiresShipping = property(lambda self: True)
    taxable = property(lambda self: True)
    isGiftCard = property(lambda self: self.p.category == "gift")
    product = property(lambda self: ProductView(self.p))
    variant = property(lambda self: VariantView(self.p))
    originalUnitPriceSet = property(lambda self: Bag(self.line.unit, self.o.currency))
    discountedUnitPriceSet = property(
        lambda self: Bag(self.line.unit - self.line.discount // max(1, self.line.quantity), self.o.currency)
    )
    totalDiscountSet = property(lambda self: Bag(self.line.discount, self.o.currency))
    originalTotalPriceSet = property(lambda self: Bag(self.line.gross, self.o.currency))
    discountedTotalPriceSet = property(lambda self: Bag(self.line.total, self.o.currency))

    @property
    def quantity(self) -> Any:
        # "two" for a quantity is no typed API's answer: a fault a test asks for (CDP_MALFORMED_OPT_IN=wrong_type).
        return "two" if self.o.defect == "wrong_type" and self.position == 0 else self.line.quantity


class ShippingLineView(View):
    """The `ShippingLine` of a web order: the delivery option chosen at checkout (delivery.py). A pickup line bears
    its location's name, as Shopify's local pickup does, and each line its `deliveryCategory`; the shop delivers for
    free, so totals are unchanged."""

    __slots__ = ("o",)

    def __init__(self, o: Order) -> None:
        self.o = o

    id = property(lambda self: gid("ShippingLine", SHIPPING_LINE_ID_BASE + self.o.seq))
    title = property(lambda self: delivery.title(self.o))
    code = property(lambda self: delivery.title(self.o))
    source = property(lambda self: "shopify")
    carrierIdentifier = property(lambda self: None)
    deliveryCategory = property(lambda self: delivery.category(self.o))
    custom = property(lambda self: False)
    isRemoved = property(lambda self: False)
    originalPriceSet = property(lambda self: Bag(0, self.o.currency))
    discountedPriceSet = property(lambda self: Bag(0, self.o.currency))


class _Sale(View):
    """What orders and checkouts share: totals and line items."""

    kind, id_base = "LineItem", ORDER_LINE_ID_BASE

    def __init__(self, o: Order) -> None:
        self.o = o
        customer = o.customer
        assert customer is not None, "web orders and checkouts always have a customer"
        self.c = customer
        self.t: Totals = totals(o)  # most of what a query asks of a sale is made of them

    @property
    def sign(self) -> int:
        return -1 if self.o.defect == "negative_amount" else 1

    createdAt = property(lambda self: iso_utc(self.o.created))
    customer = property(lambda self: CustomerView(self.c))
    taxesIncluded = property(lambda self: True)
    discountCodes = property(lambda self: [f"SAVE{self.o.discount_pct}"] if self.o.discount_pct else [])
    totalPriceSet = property(lambda self: Bag(self.sign * self.t.total, self.o.currency))
    totalTaxSet = property(lambda self: Bag(self.t.tax, self.o.currency))

    @property
    def lineItems(self) -> list[LineItemView]:
        return [LineItemView(self.o, line, i, self.kind, self.id_base) for i, line in enumerate(self.t.lines)]


class OrderView(_Sale):
    id = property(lambda self: gid("Order", shopify_order_id(self.o.seq)))
    legacyResourceId = property(lambda self: str(shopify_order_id(self.o.seq)))
    name = property(lambda self: f"#{1001 + self.o.seq}")
    email = property(lambda self: self.c.email)
    phone = property(lambda self: self.c.phone)
    updatedAt = property(lambda self: cursor_value(self.o.defect, self.o.updated, iso_utc))
    processedAt = property(lambda self: iso_utc(self.o.created))
    cancelledAt = property(lambda self: iso_utc(self.o.updated) if self.o.cancelled else None)
    cancelReason = property(lambda self: "CUSTOMER" if self.o.cancelled else None)
    closedAt = property(lambda self: None)
    confirmed = property(lambda self: True)
    test = property(lambda self: False)
    currencyCode = property(lambda self: self.o.currency)
    presentmentCurrencyCode = property(lambda self: self.o.currency)
    subtotalPriceSet = property(lambda self: Bag(self.sign * self.t.total, self.o.currency))
    totalDiscountsSet = property(lambda self: Bag(self.t.discount, self.o.currency))
    displayFinancialStatus = property(lambda self: "VOIDED" if self.o.cancelled else "PAID")
    sourceName = property(lambda self: "web")
    note = property(lambda self: LONG_STRING if self.o.defect == "long_string" else None)
    tags = property(lambda self: [])
    customerAcceptsMarketing = property(lambda self: self.c.subscribed)
    customerLocale = property(lambda self: COUNTRY_BY_CODE[self.o.country].locale.replace("_", "-"))
    paymentGatewayNames = property(lambda self: [_GATEWAYS[self.o.tender]])
    billingAddress = property(lambda self: Address(self.c, fallback=True))
    shippingAddress = property(lambda self: Address(self.c, fallback=True))
    # Online orders ship by the option chosen at checkout; an order of gift cards only has no shipping line.
    shippingLines = property(lambda self: [ShippingLineView(self.o)] if self.o.delivery else [])

    @property
    def displayFulfillmentStatus(self) -> str:
        fulfilled = not self.o.cancelled and self.o.updated - self.o.created > 3600
        return "FULFILLED" if fulfilled else "UNFULFILLED"


class CheckoutView(_Sale):
    kind, id_base = "AbandonedCheckoutLineItem", CHECKOUT_LINE_ID_BASE

    id = property(lambda self: gid("AbandonedCheckout", shopify_checkout_id(self.o.seq)))
    name = property(lambda self: f"#{shopify_checkout_id(self.o.seq)}")
    updatedAt = property(lambda self: iso_utc(self.o.updated))
    completedAt = property(lambda self: None)
    note = property(lambda self: LONG_STRING if self.o.defect == "long_string" else "")
    billingAddress = property(lambda self: Address(self.c) if self.c.street else None)
    shippingAddress = property(lambda self: Address(self.c) if self.c.street else None)
    subtotalPriceSet = property(lambda self: Bag(self.t.gross, self.o.currency))
    totalLineItemsPriceSet = property(lambda self: Bag(self.t.gross, self.o.currency))
    totalDiscountSet = property(lambda self: Bag(self.t.discount, self.o.currency))
    lineItemsQuantity = property(lambda self: sum(line.quantity for line in self.t.lines))

    @property
    def abandonedCheckoutUrl(self) -> str:
        token = shopify_checkout_token(self.o.seq)
        return f"https://{SHOP_DOMAIN}/checkouts/ac/{token}/recover?key={token[:16]}"


def customer(c: Customer) -> CustomerView:
    return CustomerView(c)


def order(o: Order) -> OrderView:
    return OrderView(o)


def checkout(o: Order) -> CheckoutView:
    return CheckoutView(o)


def shop() -> Fields:
    return Fields(
        id=gid("Shop", SHOP_ID),
        name="CDP Demo Store",
        email="owner@example.com",
        myshopifyDomain=SHOP_DOMAIN,
        ianaTimezone="Asia/Jakarta",
        timezoneAbbreviation="WIB",
        currencyCode="IDR",
        enabledPresentmentCurrencies=["IDR", "PLN", "USD", "VND"],
    )
