-- Customers who stopped buying (lifecycle_stage lapsed): the win-back campaign.
select customer_id
from {{ ref('customer_360') }}
where lifecycle_stage = 'lapsed'
