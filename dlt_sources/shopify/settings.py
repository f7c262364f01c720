"""Constants of the Shopify Admin REST API as the source uses it."""

API_VERSION = "2024-07"
PAGE_SIZE = 250  # the API's maximum
# Before any shop existed: the first load takes everything.
START_DATE = "2000-01-01T00:00:00Z"
# Every listing is incremental on the record's last modification (sent back as `updated_at_min`).
CURSOR = "updated_at"
