-- What sells together: every pair of distinct products bought in the same order, with support, confidence
-- and lift, for cross-sell and bundle ideas. product_a_id < product_b_id, so each pair appears once.

with

order_products as (

    select distinct
        order_id,
        product_id,
        product_name
    from {{ ref('fct_order_lines') }}
    where is_revenue

),

order_count as (

    select count(distinct order_id) as orders from order_products

),

product_orders as (

    select
        product_id,
        count(*) as orders
    from order_products
    group by product_id

),

pairs as (

    select
        a.product_id as product_a_id,
        a.product_name as product_a_name,
        b.product_id as product_b_id,
        b.product_name as product_b_name,
        count(*) as orders_together
    from order_products as a
    inner join order_products as b
        on a.order_id = b.order_id
        and a.product_id < b.product_id
    group by a.product_id, a.product_name, b.product_id, b.product_name

)

select
    pairs.product_a_id,
    pairs.product_a_name,
    pairs.product_b_id,
    pairs.product_b_name,
    pairs.orders_together,
    -- `support` is a keyword to the linter, and the name association-rule analysis gives this column
    cast(pairs.orders_together as double) / order_count.orders as support,  -- noqa: RF04
    cast(pairs.orders_together as double) / product_a.orders as confidence_a_to_b,
    cast(pairs.orders_together as double) / product_b.orders as confidence_b_to_a,
    (cast(pairs.orders_together as double) * order_count.orders) / (product_a.orders * product_b.orders) as lift
from pairs
cross join order_count
inner join product_orders as product_a on pairs.product_a_id = product_a.product_id
inner join product_orders as product_b on pairs.product_b_id = product_b.product_id
