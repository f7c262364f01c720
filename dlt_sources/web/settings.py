"""Constants of the web shop's event landing folder as the source reads it."""

# The collector's daily files: gzipped newline-delimited JSON, one Web Pixels event a line.
FILE_GLOB = "**/*.ndjson.gz"
EVENTS_PER_PAGE = 5000
# Standard Web Pixels events the models read; others a collector lands are loaded too.
STANDARD_EVENTS = (
    "page_viewed",
    "product_viewed",
    "collection_viewed",
    "search_submitted",
    "product_added_to_cart",
    "checkout_started",
    "checkout_completed",
)
