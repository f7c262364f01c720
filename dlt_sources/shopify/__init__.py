"""E-commerce source: customers, orders (with line items and shipping lines) and abandoned checkouts from Shopify's
GraphQL Admin API.

The first load of each resource is a bulk operation (`bulkOperationRunQuery`, polled to completion, its JSONL file
downloaded and read in batches; line items and shipping lines arrive on lines of their own with `__parentId`). Later
loads page through the records modified since the cursor (`updated_at:>='…'`, `pageInfo { hasNextPage endCursor }`),
paying for each query from Shopify's cost bucket (`helpers.ShopifyGraphQL`). Pages become arrow tables
(`common/pages.py`); raw columns are the GraphQL paths in snake case (`total_price_set__shop_money__amount`), with
`id` the numeric ID and `gid` the global ID. Config keys (`.dlt/config.toml`, `.dlt/secrets.toml` or env):

    [sources.shopify]
    base_url = "https://<shop>.myshopify.com"     # SOURCES__SHOPIFY__BASE_URL
    access_token = "shpat_..."                    # SOURCES__SHOPIFY__ACCESS_TOKEN (secret)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.http import retrying_session
from dlt_sources.common.pages import MERGE, Child, Entity, Page, PageLoader, batched
from dlt_sources.common.quarantine import amount, email, non_negative_number, short_texts
from dlt_sources.common.tables import BOOL, LOOSE, TIME, Column, column
from dlt_sources.shopify.bulk import load_file
from dlt_sources.shopify.helpers import BulkExports, QueryTooCostly, ShopifyGraphQL
from dlt_sources.shopify.settings import (
    API_VERSION,
    CHECKOUT_FIELDS,
    CHECKOUT_LINE_ITEM_FIELDS,
    CURSOR,
    CUSTOMER_FIELDS,
    LINE_ITEM_FIELDS,
    LINE_ITEMS_PER_PAGE,
    MORE_NESTED_PAGE,
    ORDER_FIELDS,
    PAGE_SIZES,
    SHIPPING_LINE_FIELDS,
    SHIPPING_LINES_PER_PAGE,
    START_DATE,
)

_NUMERIC_ID = "regexp_extract(\"gid\", '[0-9]+$')"
# Lists of names (tags, discount codes), kept as JSON text.
_STRINGS = pa.list_(pa.string())


def _ids() -> tuple[Column, ...]:
    # `id` is the numeric ID Shopify's admin and REST API show (the customer ID a person record keeps), `gid` the
    # global ID GraphQL answers with; child rows link to their parent's.
    return (column("gid", "id"), column("id", "id", sql=_NUMERIC_ID))


def _address(prefix: str, path: str, *fields: str) -> tuple[Column, ...]:
    names = {"firstName": "first_name", "lastName": "last_name", "countryCodeV2": "country_code_v2"}
    return tuple(column(f"{prefix}__{names.get(f, f)}", f"{path}.{f}") for f in fields)


def _money(name: str, path: str) -> tuple[Column, ...]:
    return (
        column(f"{name}__shop_money__amount", f"{path}.shopMoney.amount", LOOSE),
        column(f"{name}__shop_money__currency_code", f"{path}.shopMoney.currencyCode"),
    )


_ADDRESS_FIELDS = (
    "id",
    "firstName",
    "lastName",
    "address1",
    "address2",
    "city",
    "province",
    "country",
    "countryCodeV2",
    "zip",
    "phone",
)
_LINE_ITEM_COLUMNS = (
    column("id"),
    column("title"),
    column("variant_title", "variantTitle"),
    column("sku"),
    column("quantity", kind=LOOSE, cast="bigint", json=pa.int64()),
    column("product__id", "product.id"),
    column("variant__id", "variant.id"),
    *_money("original_unit_price_set", "originalUnitPriceSet"),
)
_ORDER_LINE_ITEM_COLUMNS = (*_LINE_ITEM_COLUMNS, column("name"), column("vendor"))
_LINE_ITEM_CHECKS = (
    non_negative_number("quantity", "line_items.quantity"),
    *amount("original_unit_price_set__shop_money__amount", "line_items price"),
)

CUSTOMERS = Entity(
    name="customers",
    columns=(
        *_ids(),
        column("first_name", "firstName"),
        column("last_name", "lastName"),
        column("email"),
        column("phone"),
        column("verified_email", "verifiedEmail", BOOL),
        column("state"),
        column("note"),
        column("tags", kind=LOOSE, json=_STRINGS),
        column("tax_exempt", "taxExempt", BOOL),
        column("locale"),
        column("created_at", "createdAt", TIME),
        column(CURSOR, "updatedAt", TIME),
        column("email_marketing_consent__marketing_state", "emailMarketingConsent.marketingState"),
        column("email_marketing_consent__marketing_opt_in_level", "emailMarketingConsent.marketingOptInLevel"),
        column("email_marketing_consent__consent_updated_at", "emailMarketingConsent.consentUpdatedAt", TIME),
        column("sms_marketing_consent__marketing_state", "smsMarketingConsent.marketingState"),
        column("sms_marketing_consent__consent_updated_at", "smsMarketingConsent.consentUpdatedAt", TIME),
        *_address("default_address", "defaultAddress", *_ADDRESS_FIELDS),
    ),
    cursor=CURSOR,
    checks=(email("email"), *short_texts("first_name", "last_name", "email", "phone")),
    children=(
        Child(
            "addresses",
            ("addresses",),
            columns=tuple(
                column(
                    {"firstName": "first_name", "lastName": "last_name", "countryCodeV2": "country_code_v2"}.get(f, f),
                    f,
                )
                for f in _ADDRESS_FIELDS
            ),
            row_id="id",
        ),
    ),
    absorb_new_fields=False,
    row_id="gid",
)

ORDERS = Entity(
    name="orders",
    columns=(
        *_ids(),
        column("name"),
        column("email"),
        column("phone"),
        column("note"),
        column("created_at", "createdAt", TIME),
        column(CURSOR, "updatedAt", TIME),
        column("processed_at", "processedAt", TIME),
        column("cancelled_at", "cancelledAt", TIME),
        column("cancel_reason", "cancelReason"),
        column("closed_at", "closedAt", TIME),
        column("currency_code", "currencyCode"),
        column("presentment_currency_code", "presentmentCurrencyCode"),
        column("display_financial_status", "displayFinancialStatus"),
        column("display_fulfillment_status", "displayFulfillmentStatus"),
        column("source_name", "sourceName"),
        column("customer_locale", "customerLocale"),
        column("customer_accepts_marketing", "customerAcceptsMarketing", BOOL),
        column("test", kind=BOOL),
        column("confirmed", kind=BOOL),
        column("taxes_included", "taxesIncluded", BOOL),
        column("tags", kind=LOOSE, json=_STRINGS),
        column("discount_codes", "discountCodes", LOOSE, json=_STRINGS),
        column("customer__id", "customer.id"),
        *_address("shipping_address", "shippingAddress", "city", "zip", "countryCodeV2"),
        *_address("billing_address", "billingAddress", "countryCodeV2"),
        *_money("total_price_set", "totalPriceSet"),
        *_money("subtotal_price_set", "subtotalPriceSet"),
        *_money("total_tax_set", "totalTaxSet"),
        *_money("total_discounts_set", "totalDiscountsSet"),
    ),
    cursor=CURSOR,
    required_times=("created_at",),
    checks=(email("email"), *amount("total_price_set__shop_money__amount", "total_price")),
    children=(
        Child("payment_gateway_names", ("paymentGatewayNames",)),
        Child("line_items", ("lineItems", "nodes"), _ORDER_LINE_ITEM_COLUMNS, _LINE_ITEM_CHECKS, row_id="id"),
        # How the order reaches the buyer (shipping, local pickup, local delivery), as chosen at checkout; Shopify's
        # `deliveryCategory` classifies it. `shippingLines` without `includeRemovals` lists only the lines in force, so
        # `isRemoved` is not read.
        Child(
            "shipping_lines",
            ("shippingLines", "nodes"),
            (
                column("id"),
                column("title"),
                column("code"),
                column("source"),
                column("carrier_identifier", "carrierIdentifier"),
                column("delivery_category", "deliveryCategory"),
                *_money("original_price_set", "originalPriceSet"),
                *_money("discounted_price_set", "discountedPriceSet"),
            ),
            # A shipping line's ID may be null (Shopify documents it so): rows are keyed by order and position.
            tuple(amount("original_price_set__shop_money__amount", "shipping_lines price")),
        ),
    ),
    absorb_new_fields=False,
    row_id="gid",
)

CHECKOUTS = Entity(
    name="checkouts",
    columns=(
        *_ids(),
        column("name"),
        column("note"),
        column("created_at", "createdAt", TIME),
        column(CURSOR, "updatedAt", TIME),
        column("completed_at", "completedAt", TIME),
        column("abandoned_checkout_url", "abandonedCheckoutUrl"),
        column("taxes_included", "taxesIncluded", BOOL),
        column("discount_codes", "discountCodes", LOOSE, json=_STRINGS),
        column("customer__id", "customer.id"),
        column("customer__email", "customer.email"),
        column("customer__phone", "customer.phone"),
        *_address("shipping_address", "shippingAddress", "countryCodeV2"),
        *_money("total_price_set", "totalPriceSet"),
        *_money("subtotal_price_set", "subtotalPriceSet"),
        *_money("total_tax_set", "totalTaxSet"),
        *_money("total_discount_set", "totalDiscountSet"),
    ),
    cursor=CURSOR,
    checks=tuple(amount("total_price_set__shop_money__amount", "total_price")),
    children=(Child("line_items", ("lineItems", "nodes"), _LINE_ITEM_COLUMNS, _LINE_ITEM_CHECKS, row_id="id"),),
    absorb_new_fields=False,
    row_id="gid",
)


@dataclass(frozen=True)
class Nested:
    """A connection inside each record (an order's line items), read with it into the entity's child list `child`:
    `per_page` nodes with each record and the rest by a query of their own; in a bulk file its nodes come on lines of
    their own, told apart by their `__typename`."""

    connection: str
    type_name: str
    fields: str
    child: str
    per_page: int

    def page(self, first: int, after: str = "") -> str:
        return (
            f"{self.connection}(first: {first}{after}) {{ nodes {{ {self.fields} }} "
            "pageInfo { hasNextPage endCursor } }"
        )


@dataclass(frozen=True)
class Resource:
    """How one resource is read: its entity, its GraphQL type and root connection, what it selects, and the
    connections inside its records."""

    entity: Entity
    type_name: str
    connection: str  # the QueryRoot field
    fields: str
    nested: tuple[Nested, ...] = ()

    def apart(self) -> dict[str, Child]:
        """The child list each type of node a bulk file puts on lines of its own fills, by its `__typename`."""
        children = {child.name: child for child in self.entity.children}
        return {n.type_name: children[n.child] for n in self.nested}

    def bulk_query(self) -> str:
        inner = " ".join(f"{n.connection} {{ edges {{ node {{ __typename {n.fields} }} }} }}" for n in self.nested)
        return f"{{ {self.connection}(sortKey: ID) {{ edges {{ node {{ {self.fields} {inner} }} }} }} }}"

    def page_query(self) -> str:
        inner = " ".join(n.page(n.per_page) for n in self.nested)
        return (
            "query Page($first: Int!, $after: String, $query: String) {\n"
            f"  {self.connection}(first: $first, after: $after, query: $query, sortKey: ID) {{\n"
            f"    nodes {{ {self.fields} {inner} }}\n"
            "    pageInfo { hasNextPage endCursor }\n  }\n}"
        )

    def more_query(self, nested: Nested) -> str:
        """The further nodes of one record's connection, after a cursor."""
        return (
            "query More($id: ID!, $after: String) {\n"
            f"  node(id: $id) {{ ... on {self.type_name} {{\n"
            f"    {nested.page(MORE_NESTED_PAGE, ', after: $after')}\n  }} }}\n}}"
        )


def _lines(type_name: str, fields: str, per_page: int = LINE_ITEMS_PER_PAGE) -> Nested:
    return Nested("lineItems", type_name, fields, "line_items", per_page)


RESOURCES = (
    Resource(CUSTOMERS, "Customer", "customers", CUSTOMER_FIELDS),
    Resource(
        ORDERS,
        "Order",
        "orders",
        ORDER_FIELDS,
        (
            _lines("LineItem", LINE_ITEM_FIELDS),
            Nested("shippingLines", "ShippingLine", SHIPPING_LINE_FIELDS, "shipping_lines", SHIPPING_LINES_PER_PAGE),
        ),
    ),
    Resource(
        CHECKOUTS,
        "AbandonedCheckout",
        "abandonedCheckouts",
        CHECKOUT_FIELDS,
        (_lines("AbandonedCheckoutLineItem", CHECKOUT_LINE_ITEM_FIELDS),),
    ),
)


@dlt.source(name="shopify")
def shopify_source(
    base_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    api_version: str = API_VERSION,
    start_date: str = START_DATE,
    request_timeout: float = 30.0,
) -> Sequence[DltResource]:
    """The shop's customers, orders (with line items) and abandoned checkouts."""
    session = retrying_session(request_timeout)
    clock = SourceClock.watching(session)
    client = ShopifyGraphQL(session, f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json", access_token)
    start = datetime.fromisoformat(start_date)
    exports = BulkExports(client, {spec.entity.name: spec.bulk_query() for spec in RESOURCES}, _is_first_load)
    return [_resource(spec, client, exports, clock, start) for spec in RESOURCES]


def _is_first_load(resource: str) -> bool:
    """Whether a resource of the running source has never been loaded (no cursor in its state)."""
    state = dlt.current.source_state().get("resources", {}).get(resource, {})
    return "last" not in state.get("cursor", {})


def _resource(
    spec: Resource, client: ShopifyGraphQL, exports: BulkExports, clock: SourceClock, start: datetime
) -> DltResource:
    @dlt.resource(name=spec.entity.name, primary_key="id", write_disposition=MERGE)
    def load() -> Iterator[Any]:
        cursor = Cursor(dlt.current.resource_state(), initial=start)
        loader = PageLoader(spec.entity, clock, cursor)
        if cursor.is_first_load:
            yield from _bulk_load(spec, exports, loader)
        else:
            yield from _incremental_load(spec, client, loader, cursor.start or start)

    return load


def _bulk_load(spec: Resource, exports: BulkExports, loader: PageLoader) -> Iterator[Any]:
    """Everything, through one bulk operation: its file downloaded into the pipeline's folder, read, deleted."""
    folder = Path(tempfile.mkdtemp(prefix=f"shopify_{spec.entity.name}_", dir=_working_dir()))
    try:
        path = exports.file(spec.entity.name, folder)
        if path is not None:
            yield from load_file(path, spec.entity, spec.apart(), loader)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _incremental_load(spec: Resource, client: ShopifyGraphQL, loader: PageLoader, since: datetime) -> Iterator[Any]:
    """The records modified at or after `since`, page by page (the cursor skips those loaded at `since` before)."""
    query = spec.page_query()
    variables = {"first": PAGE_SIZES[spec.connection], "query": f"updated_at:>='{_shopify_time(since)}'"}
    while True:
        try:
            pages = client.pages(query, spec.connection, variables)
            for nodes, lossy in batched(_with_all_nested(spec, client, pages)):
                yield from loader.page(nodes, lossy)
            return
        except QueryTooCostly:
            if variables["first"] == 1:
                raise
            # A shop whose records cost more than the default page size allows: smaller pages.
            variables["first"] = max(1, variables["first"] // 2)


def _with_all_nested(spec: Resource, client: ShopifyGraphQL, pages: Iterator[Page]) -> Iterator[Page]:
    """The pages, each record with all the nodes of its connections (lines): those of a record with more than a page
    of them are read by a query of their own."""
    for nodes, lossy in pages:
        for node in nodes:
            for nested in spec.nested:
                connection = node.get(nested.connection) or {}
                info = connection.get("pageInfo") or {}
                while info.get("hasNextPage"):
                    data, more_lossy = client.execute(
                        spec.more_query(nested), {"id": node["id"], "after": info["endCursor"]}
                    )
                    more = (data.get("node") or {}).get(nested.connection) or {}
                    connection.setdefault("nodes", []).extend(more.get("nodes") or [])
                    info = more.get("pageInfo") or {}
                    lossy = lossy or more_lossy
        yield nodes, lossy


def _shopify_time(moment: datetime) -> str:
    """A time as Shopify's search syntax takes it (UTC, whole seconds: Shopify keeps no finer times)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _working_dir() -> str:
    """Where a bulk file is downloaded, for as long as it is read: the running pipeline's working folder (the CDP's
    state, not a shared temporary folder: the file holds personal data)."""
    folder = Path(dlt.current.pipeline().working_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)
