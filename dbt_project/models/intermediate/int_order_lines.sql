-- Line items of every channel in one shape. A product is known by its name across channels (the web shop's
-- product ids and the POS's catalog ids differ); its category comes from seeds/product_categories.csv.

with

shopify_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

),

square_lines as (

    select * from {{ ref('stg_square__order_lines') }}

),

orders as (

    select * from {{ ref('int_orders') }}

),

categories as (

    select * from {{ ref('product_categories') }}

),

unioned as (

    select
        'shopify' as source_system,
        order_line_id as source_order_line_id,
        order_id as source_order_id,
        product_name,
        variant_name,
        sku,
        quantity,
        unit_price,
        quantity * unit_price as line_amount
    from shopify_lines

    union all

    select
        'square' as source_system,
        order_line_id as source_order_line_id,
        order_id as source_order_id,
        product_name,
        variant_name,
        cast(null as string) as sku,
        quantity,
        unit_price,
        coalesce(line_amount, quantity * unit_price) as line_amount
    from square_lines

)

select
    unioned.source_system || ':' || unioned.source_order_line_id as order_line_id,
    orders.order_id,
    unioned.source_system,
    unioned.source_order_line_id,
    orders.customer_record_id,
    {{ dbt.hash("lower(trim(unioned.product_name))") }} as product_id,
    trim(unioned.product_name) as product_name,
    unioned.variant_name,
    unioned.sku,
    coalesce(categories.category, 'uncategorised') as category,
    unioned.quantity,
    unioned.unit_price,
    unioned.line_amount,
    orders.currency,
    unioned.line_amount * orders.reporting_rate as line_amount_reporting,
    orders.channel,
    orders.store_id,
    orders.status,
    orders.is_revenue,
    orders.ordered_at,
    orders.ordered_local_date,
    orders.updated_at,
    orders.load_id
from unioned
inner join orders
    on unioned.source_system = orders.source_system
    and unioned.source_order_id = orders.source_order_id
left join categories on lower(trim(unioned.product_name)) = lower(categories.product_name)
