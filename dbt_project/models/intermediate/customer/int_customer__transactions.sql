-- One row per customer: revenue orders (completed or open) across channels, spend in the reporting currency,
-- channel shares and RFM scores. The scores rank buying customers only: a customer without an order has none.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null and is_revenue

),

order_stats as (

    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(total_amount_reporting) as total_spend_reporting,
        avg(total_amount_reporting) as average_order_value_reporting,
        count(case when channel = 'online' then 1 end) as online_order_count,
        count(case when channel = 'in_store' then 1 end) as in_store_order_count
    from orders
    group by customer_id

),

-- quintiles, 5 best; ties go to the more recent buyer, then by customer id, so every score is deterministic
rfm as (

    select
        customer_id,
        cast(ntile(5) over (order by last_order_at, customer_id) as bigint) as recency_score,
        cast(ntile(5) over (order by order_count, last_order_at, customer_id) as bigint) as frequency_score,
        cast(ntile(5) over (order by total_spend_reporting, last_order_at, customer_id) as bigint) as monetary_score
    from order_stats

),

joined as (

    select
        customers.customer_id,
        order_stats.first_order_at,
        order_stats.last_order_at,
        coalesce(order_stats.order_count, 0) as order_count,
        coalesce(order_stats.total_spend_reporting, 0) as total_spend_reporting,
        order_stats.average_order_value_reporting,
        order_stats.online_order_count,
        order_stats.in_store_order_count,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score
    from customers
    left join order_stats on customers.customer_id = order_stats.customer_id
    left join rfm on customers.customer_id = rfm.customer_id

)

select
    customer_id,
    first_order_at,
    last_order_at,
    order_count,
    total_spend_reporting,
    average_order_value_reporting,
    online_order_count,
    in_store_order_count,
    recency_score,
    frequency_score,
    monetary_score,
    case
        when recency_score is not null then
            cast(recency_score as string) || cast(frequency_score as string) || cast(monetary_score as string)
    end as rfm_cell,
    case when order_count > 0 then cast(online_order_count as double) / order_count end as online_share,
    case when order_count > 0 then cast(in_store_order_count as double) / order_count end as in_store_share
from joined
