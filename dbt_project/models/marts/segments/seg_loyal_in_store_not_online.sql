-- Regular, still-active shoppers who only ever bought in store: invite them to the web shop.
select customer_id
from {{ ref('customer_360') }}
where order_count >= {{ var('loyal_min_orders') }}
    and online_share = 0
    and lifecycle_stage in ('new', 'active')
