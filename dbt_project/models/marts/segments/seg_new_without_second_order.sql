-- First order recently and no second one yet: the nudge towards a repeat purchase.
select customer_id
from {{ ref('customer_360') }}
where lifecycle_stage = 'new'
    and order_count = 1
