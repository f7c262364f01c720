-- Abandoned a web checkout in the last N days (var abandoned_cart_days) and has not ordered since.
select customer_id
from {{ ref('customer_360') }}
where last_abandoned_checkout_at >= {{ dbt.dateadd('day', -1 * var('abandoned_cart_days'), as_of()) }}
    and last_abandoned_checkout_at <= {{ as_of() }}
    and (last_order_at is null or last_order_at < last_abandoned_checkout_at)
