"""Web source: what visitors do on the web shop, as Shopify's Web Pixels standard events a collector lands in a folder.

A collector (a custom pixel posting to an endpoint, or Shopify's event export) writes one gzipped NDJSON file per day:
each line an event (`page_viewed`, `product_viewed`, `collection_viewed`, `search_submitted`, `product_added_to_cart`,
`checkout_started`, `checkout_completed`) with its `clientId`, `timestamp`, page `context` and `data`, and a `customer`
(`{"id": …}`) while the visitor is logged in. dlt's filesystem source lists the folder, incremental on the files'
modification times (a file already loaded is not read again unless it is rewritten). Arrow's JSON reader reads a
file's lines a block at a time with the declared types (`helpers.read_events`); a line it cannot read is read alone,
so that a line that is not JSON is quarantined instead of failing the load and a value of another type is kept as
the API sources keep one. The events are screened and loaded as the API sources' pages (`common/pages.py`); a
checkout's lines and delivery options are child tables. Events merge on their `id`. Config keys:

    [sources.web]
    bucket_url = "s3://collector-bucket/pixel-events"   # SOURCES__WEB__BUCKET_URL (a local folder, file://, s3://,
                                                        # gs://, az://); unset: the simulator's landing folder
    [sources.web.credentials]                           # for a bucket: dlt's filesystem credentials, e.g.
    aws_access_key_id = "..."                           # SOURCES__WEB__CREDENTIALS__AWS_ACCESS_KEY_ID (secret)
    aws_secret_access_key = "..."
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.pages import MERGE, Child, Entity, PageLoader, record_type
from dlt_sources.common.quarantine import Check, Finding, quarantine_table, quoted, short_texts, shown
from dlt_sources.common.tables import INT, LOOSE, TIME, Column, column
from dlt_sources.web.helpers import ArrowEvents, read_events
from dlt_sources.web.settings import EVENTS_PER_PAGE, FILE_GLOB

RESOURCE = "pixel_events"


def _present(name: str, field: str) -> Check:
    """Rejects an event without this text: an event of no visitor, or of no kind, says nothing."""
    c = quoted(name)
    return Check(f"{c} is null or trim({c}) = ''", f"'{field} is missing or not text: ' || {shown(name)}", fatal=True)


def _amount(name: str, path: str) -> Column:
    """A Web Pixels money amount: a decimal number in the currency's major unit."""
    return column(name, path, LOOSE, cast="double", json=pa.float64())


def _product(prefix: str, path: str) -> tuple[Column, ...]:
    return (
        column(f"{prefix}__product__id", f"{path}.product.id"),
        column(f"{prefix}__product__title", f"{path}.product.title"),
        column(f"{prefix}__product__type", f"{path}.product.type"),
    )


PIXEL_EVENTS = Entity(
    name=RESOURCE,
    columns=(
        column("id"),
        column("name"),
        column("type"),
        column("client_id", "clientId"),
        column("timestamp", kind=TIME),
        column("seq", kind=INT),
        column("customer__id", "customer.id"),
        column("context__document__location__href", "context.document.location.href"),
        column("context__document__location__pathname", "context.document.location.pathname"),
        column("context__document__location__search", "context.document.location.search"),
        column("context__document__referrer", "context.document.referrer"),
        column("context__navigator__language", "context.navigator.language"),
        *_product("data__product_variant", "data.productVariant"),
        _amount("data__product_variant__price__amount", "data.productVariant.price.amount"),
        column("data__product_variant__price__currency_code", "data.productVariant.price.currencyCode"),
        *_product("data__cart_line__merchandise", "data.cartLine.merchandise"),
        column("data__cart_line__quantity", "data.cartLine.quantity", INT),
        _amount("data__cart_line__cost__total_amount__amount", "data.cartLine.cost.totalAmount.amount"),
        column("data__search_result__query", "data.searchResult.query"),
        column("data__collection__id", "data.collection.id"),
        column("data__checkout__token", "data.checkout.token"),
        column("data__checkout__email", "data.checkout.email"),
        column("data__checkout__currency_code", "data.checkout.currencyCode"),
        _amount("data__checkout__total_price__amount", "data.checkout.totalPrice.amount"),
        column("data__checkout__order__id", "data.checkout.order.id"),
        column("data__checkout__order__customer__id", "data.checkout.order.customer.id"),
    ),
    required_times=("timestamp",),
    checks=(_present("client_id", "clientId"), _present("name", "name"), *short_texts("client_id", "name")),
    children=(
        Child(
            "data__checkout__line_items",
            ("data", "checkout", "lineItems"),
            columns=(
                column("id"),
                column("title"),
                column("quantity", kind=INT),
                *_product("variant", "variant"),
                _amount("final_line_price__amount", "finalLinePrice.amount"),
                column("final_line_price__currency_code", "finalLinePrice.currencyCode"),
            ),
        ),
        Child(
            "data__checkout__delivery__selected_delivery_options",
            ("data", "checkout", "delivery", "selectedDeliveryOptions"),
            columns=(column("type"), column("title"), column("handle"), column("description")),
        ),
    ),
)

# An event as arrow reads it: its columns and the child lists it holds, each of its documented type.
EVENT_SCHEMA = pa.schema(list(record_type(PIXEL_EVENTS.columns, PIXEL_EVENTS.children)))


@dlt.source(name="web")
def web_source(bucket_url: str = dlt.config.value, file_glob: str = FILE_GLOB) -> DltResource:
    """The Web Pixels events of every file of the landing folder `bucket_url` not loaded before (a bucket's credentials
    are dlt's filesystem credentials, found under `sources.web.credentials` when the files are listed)."""
    files = filesystem(
        bucket_url=bucket_url, file_glob=file_glob, incremental=dlt.sources.incremental("modification_date")
    )

    @dlt.transformer(name=RESOURCE, primary_key="id", write_disposition=MERGE)
    def pixel_events(items: list[FileItemDict]) -> Iterator[Any]:
        # No cursor: the files are incremental, and an event's time is only checked to be one.
        loader = PageLoader(PIXEL_EVENTS, SourceClock())
        for file in items:
            for block in read_events(file, EVENT_SCHEMA, EVENTS_PER_PAGE):
                if isinstance(block, ArrowEvents):
                    yield from loader.arrow_page(block.table, received=block.received)
                elif isinstance(block[0], Finding):
                    yield quarantine_table(RESOURCE, block)
                else:
                    yield from loader.page(block)

    return files | pixel_events
