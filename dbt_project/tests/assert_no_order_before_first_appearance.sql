{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}  {# the asset this check belongs to in Dagster #}
-- A customer's orders come after their first appearance in any source (the earliest created_at of their
-- records), allowing a minute for a till that creates the customer while ringing up the sale.
select
    orders.order_id,
    orders.customer_id,
    orders.ordered_at,
    customers.first_seen_at
from {{ ref('fct_orders') }} as orders
inner join {{ ref('customer_360') }} as customers on orders.customer_id = customers.customer_id
where orders.ordered_at < {{ dbt.dateadd('minute', -1, 'customers.first_seen_at') }}
