-- Known contacts without a first purchase (lifecycle_stage lead): the welcome series.
select customer_id
from {{ ref('customer_360') }}
where lifecycle_stage = 'lead'
