-- Viewed a product on the web shop in the last N days (var browse_abandonment_days) and has not bought it since
-- (any channel), and can be emailed about it.
with

views as (

    select
        customer_id,
        lower(product_name) as product_key,
        max(occurred_at) as last_viewed_at
    from {{ ref('fct_web_events') }}
    where event_name = 'product_viewed'
        and customer_id is not null
        and product_name is not null
        and occurred_at >= {{ dbt.dateadd('day', -1 * var('browse_abandonment_days'), as_of()) }}
        and occurred_at <= {{ as_of() }}
    group by customer_id, lower(product_name)

),

bought as (

    select
        customer_id,
        lower(product_name) as product_key,
        max(ordered_at) as last_bought_at
    from {{ ref('fct_order_lines') }}
    where customer_id is not null and is_revenue
    group by customer_id, lower(product_name)

)

select distinct views.customer_id
from views
inner join {{ ref('customer_360') }} as profiles on views.customer_id = profiles.customer_id
left join bought
    on views.customer_id = bought.customer_id
    and views.product_key = bought.product_key
    and views.last_viewed_at <= bought.last_bought_at
where bought.customer_id is null and profiles.is_email_contactable
