-- Customers whose last order is getting old (lifecycle_stage at_risk, see customer_360).
select customer_id
from {{ ref('customer_360') }}
where lifecycle_stage = 'at_risk'
