-- The customers expected to spend most in the next 120 days (predicted_value_120d), ranked; ties by customer id.
with

ranked as (

    select
        customer_id,
        percent_rank() over (order by predicted_value_120d desc, customer_id asc) as share_above
    from {{ ref('customer_360') }}
    where predicted_value_120d is not null

)

select customer_id
from ranked
where share_above < {{ var('high_predicted_value_share') }}
