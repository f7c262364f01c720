{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}  {# the asset this check belongs to in Dagster #}
-- customer_360's order count and spend add up to the customer's revenue orders in fct_orders.
with

from_orders as (

    select
        customer_id,
        count(*) as order_count,
        sum(total_amount_reporting) as total_spend_reporting
    from {{ ref('fct_orders') }}
    where is_revenue and customer_id is not null
    group by customer_id

)

select customers.customer_id, customers.order_count, from_orders.order_count
from {{ ref('customer_360') }} as customers
left join from_orders on customers.customer_id = from_orders.customer_id
where customers.order_count <> coalesce(from_orders.order_count, 0)
    or abs(customers.total_spend_reporting - coalesce(from_orders.total_spend_reporting, 0)) > 0.01
