-- Customers whose last NPS answer, within var detractor_days (90), was 0-6: a service follow-up, not a promotion.
select customer_id
from {{ ref('customer_360') }}
where is_detractor
