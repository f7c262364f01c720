"""Constants of the Square v2 API as the source uses it."""

CUSTOMERS_PAGE_SIZE = 100  # customers/search maximum
ORDERS_PAGE_SIZE = 500
PAYMENTS_PAGE_SIZE = 100
# orders/search takes at most this many location IDs per request.
LOCATIONS_PER_ORDER_SEARCH = 10
LOYALTY_ACCOUNTS_PAGE_SIZE = 200  # loyalty/accounts/search maximum
LOYALTY_EVENTS_PAGE_SIZE = 30  # loyalty/events/search maximum
START_DATE = "2000-01-01T00:00:00Z"
# A long listing filtered by time (orders, payments, loyalty events) is read in this many parts at once
# (`common/slices.py`): eight requests in flight where one would wait out each round trip.
LISTING_SLICES = 8
