-- Born in the as-of date's calendar month: the birthday-month offer.
select customer_id
from {{ ref('customer_360') }}
where birth_month = extract(month from {{ as_of_date() }})
