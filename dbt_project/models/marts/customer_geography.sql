-- Where customers live, and where the active ones live: one row per country and city (as the golden profile
-- has them; `unknown` when no source knows).

with

customers as (

    select * from {{ ref('customer_360') }}

)

select
    coalesce(country, 'unknown') as country,
    coalesce(city, 'unknown') as city,
    count(*) as customers,
    count(case when lifecycle_stage in ('new', 'active') then 1 end) as active_customers,
    count(case when lifecycle_stage = 'at_risk' then 1 end) as at_risk_customers,
    count(case when order_count > 0 then 1 end) as buying_customers,
    count(case when is_email_contactable then 1 end) as email_contactable_customers,
    sum(total_spend_reporting) as total_spend_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from customers
group by 1, 2
