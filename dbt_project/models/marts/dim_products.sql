-- One row per product, known by its name across channels, with its category and lifetime sales.

with

lines as (

    select * from {{ ref('int_order_lines') }}

)

select
    product_id,
    max(product_name) as product_name,
    max(category) as category,
    max(sku) as sku,
    count(distinct variant_name) as variant_count,
    min(ordered_at) as first_sold_at,
    max(ordered_at) as last_sold_at,
    sum(case when is_revenue then quantity else 0 end) as units_sold,
    sum(case when is_revenue then line_amount_reporting else 0 end) as revenue_reporting
from lines
group by product_id
