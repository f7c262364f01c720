-- Loyalty members with points that expire within N days of the as-of time (var points_expiring_days).
select customer_id
from {{ ref('customer_360') }}
where loyalty_points_expiring_30d > 0
