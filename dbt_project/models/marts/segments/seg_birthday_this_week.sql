-- Birthday within the seven days from the as-of date (today included): the birthday-week campaign.
select customer_id
from {{ ref('customer_360') }}
where days_to_next_birthday < 7
