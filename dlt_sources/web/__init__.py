"""Web source: what visitors do on the web shop, as Shopify's Web Pixels standard events a collector lands in a folder.

A collector (a custom pixel posting to an endpoint, or Shopify's event export) writes one gzipped NDJSON file per day:
each line an event (`page_viewed`, `product_viewed`, `collection_viewed`, `search_submitted`, `product_added_to_cart`,
`checkout_started`, `checkout_completed`) with its `clientId`, `timestamp`, page `context` and `data`, and a `customer`
(`{"id": …}`) while the visitor is logged in. dlt's filesystem source lists the folder, incremental on the files'
modification times (a file already loaded is not read again unless it is rewritten), and each file is read line by
line as dlt's `read_jsonl` does, except that a line that is not JSON is quarantined instead of failing the load.
Events merge on their `id`. Config keys:

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
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from dlt_sources.common.quarantine import Check, Findings, check_required_timestamp, check_short_strings, screen
from dlt_sources.web.helpers import read_lines
from dlt_sources.web.settings import EVENTS_PER_PAGE, FILE_GLOB

RESOURCE = "pixel_events"


def _check_present(*keys: str) -> Check:
    """Rejects an event without these texts: an event of no visitor, or of no kind, says nothing."""

    def check(record: dict[str, Any], findings: Findings) -> None:
        for key in keys:
            value = record.get(key)
            if not isinstance(value, str) or not value.strip():
                findings.reject(f"{key} is missing or not text: {str(value)[:40]!r}")

    return check


_EVENT_CHECKS = [
    _check_present("clientId", "name"),
    check_required_timestamp("timestamp"),
    check_short_strings("clientId", "name"),
]


@dlt.source(name="web")
def web_source(bucket_url: str = dlt.config.value, file_glob: str = FILE_GLOB) -> DltResource:
    """The Web Pixels events of every file of the landing folder `bucket_url` not loaded before (a bucket's credentials
    are dlt's filesystem credentials, found under `sources.web.credentials` when the files are listed)."""
    files = filesystem(
        bucket_url=bucket_url, file_glob=file_glob, incremental=dlt.sources.incremental("modification_date")
    )
    step = screen(RESOURCE, "id", _EVENT_CHECKS)

    @dlt.transformer(name=RESOURCE, primary_key="id", write_disposition="merge")
    def pixel_events(items: list[FileItemDict]) -> Iterator[Any]:
        page: list[dict[str, Any]] = []
        for file in items:
            for item in read_lines(file, RESOURCE, step):
                if not isinstance(item, dict):  # a quarantine row, which carries its own table hints
                    yield item
                    continue
                page.append(item)
                if len(page) >= EVENTS_PER_PAGE:
                    yield page
                    page = []
        if page:
            yield page

    return files | pixel_events
