"""Constants of Shopify's GraphQL Admin API as the source uses it: version, page sizes, and what it selects."""

API_VERSION = "2025-01"
# Before any shop existed: the first load takes everything.
START_DATE = "2000-01-01T00:00:00Z"
# Every resource is incremental on the record's last modification (asked for as `updated_at:>='…'`).
CURSOR = "updated_at"

# Shopify refuses a query whose requested cost passes 1,000 points; a connection costs `first` times a node's cost,
# so each page size keeps its query under it (customers cost ~5 points a node, an order with its first ten lines ~64).
PAGE_SIZES = {"customers": 100, "orders": 12, "abandonedCheckouts": 10}
# Nodes of a connection inside a record (an order's lines) asked for with the record; further ones are read by a
# query of their own, a larger page at a time. An order ships by one method, two when split (shipped and picked up).
LINE_ITEMS_PER_PAGE = 10
SHIPPING_LINES_PER_PAGE = 2
MORE_NESTED_PAGE = 250
# Lines of a bulk result file per batch handed to dlt when it is read record by record; bytes per block when arrow
# reads it (about ten thousand orders).
BULK_BATCH = 5_000
BULK_BLOCK_BYTES = 8 << 20
# Records, and child lines, gathered from the blocks arrow reads until there are at least this many, then screened
# together (the last group of a file holds fewer).
BULK_RECORDS = 20_000
BULK_LINES = 50_000
# How long to wait between polls of a running bulk operation (growing from the first to the last).
BULK_POLL_SECONDS = (0.1, 2.0)
# A bulk operation that has not finished after this long is given up (Shopify times them out after ten days).
BULK_TIMEOUT_SECONDS = 6 * 3600.0

_ADDRESS = "id firstName lastName address1 address2 city province country countryCodeV2 zip phone"
_MONEY = "shopMoney { amount currencyCode }"

CUSTOMER_FIELDS = f"""
    id firstName lastName email phone verifiedEmail state note tags taxExempt locale createdAt updatedAt
    emailMarketingConsent {{ marketingState marketingOptInLevel consentUpdatedAt }}
    smsMarketingConsent {{ marketingState marketingOptInLevel consentUpdatedAt }}
    defaultAddress {{ {_ADDRESS} }}
    addresses {{ {_ADDRESS} }}
"""
LINE_ITEM_FIELDS = f"""
    id name title variantTitle sku vendor quantity
    product {{ id }} variant {{ id }}
    originalUnitPriceSet {{ {_MONEY} }}
"""
ORDER_FIELDS = f"""
    id name email phone note createdAt updatedAt processedAt cancelledAt cancelReason closedAt
    currencyCode presentmentCurrencyCode displayFinancialStatus displayFulfillmentStatus sourceName customerLocale
    customerAcceptsMarketing test confirmed taxesIncluded tags discountCodes paymentGatewayNames
    customer {{ id }}
    shippingAddress {{ city zip countryCodeV2 }}
    billingAddress {{ countryCodeV2 }}
    totalPriceSet {{ {_MONEY} }}
    subtotalPriceSet {{ {_MONEY} }}
    totalTaxSet {{ {_MONEY} }}
    totalDiscountsSet {{ {_MONEY} }}
"""
SHIPPING_LINE_FIELDS = f"""
    id title code source carrierIdentifier deliveryCategory
    originalPriceSet {{ {_MONEY} }}
    discountedPriceSet {{ {_MONEY} }}
"""
CHECKOUT_LINE_ITEM_FIELDS = f"""
    id title variantTitle sku quantity
    product {{ id }} variant {{ id }}
    originalUnitPriceSet {{ {_MONEY} }}
"""
CHECKOUT_FIELDS = f"""
    id name note createdAt updatedAt completedAt abandonedCheckoutUrl taxesIncluded discountCodes
    customer {{ id email phone }}
    shippingAddress {{ countryCodeV2 }}
    totalPriceSet {{ {_MONEY} }}
    subtotalPriceSet {{ {_MONEY} }}
    totalTaxSet {{ {_MONEY} }}
    totalDiscountSet {{ {_MONEY} }}
"""
