-- Sales by local day (the store's for in-store, the customer's country's online), store, channel and category,
-- in the reporting currency. Online sales have the store key `online`.

with

lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue

),

orders as (

    select
        order_id,
        ordered_local_date,
        customer_id
    from {{ ref('fct_orders') }}

)

select
    orders.ordered_local_date as sales_date,
    coalesce(lines.store_id, 'online') as store_key,
    lines.store_id,
    lines.channel,
    lines.category,
    count(distinct lines.order_id) as orders,
    count(distinct orders.customer_id) as customers,
    sum(lines.quantity) as units,
    sum(lines.line_amount_reporting) as revenue_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from lines
inner join orders on lines.order_id = orders.order_id
group by 1, 2, 3, 4, 5
