-- Customers whose last NPS answer, within var promoter_days (180), was 9-10: whom to ask for a referral.
select customer_id
from {{ ref('customer_360') }}
where is_promoter
