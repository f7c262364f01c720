-- One row per order that is delivered: how it reaches the buyer, as shipping, pickup or local. A web order's shipping
-- line (Shopify) names the delivery option chosen at checkout: a local pickup line bears its location's name (one of
-- the shop's stores), a local delivery or pickup rate is recognised by its code or title (the patterns of the
-- `delivery_rate_patterns` var), anything else is shipped. An in-store sale fulfilled later (Square) has its
-- fulfillment's type: PICKUP, SHIPMENT, DELIVERY. An order with several lines or fulfillments (split between
-- shipping and pickup) is named by its first.

with

shipping_lines as (

    select * from {{ ref('stg_shopify__order_shipping_lines') }}
    where not is_removed

),

fulfillments as (

    select * from {{ ref('stg_square__order_fulfillments') }}

),

locations as (

    select distinct lower(location_name) as location_name from {{ ref('stg_square__locations') }}

),

{%- set patterns = var('delivery_rate_patterns') %}

shopify as (

    select
        'shopify:' || shipping_lines.order_id as order_id,
        case
            {%- for method in ('local', 'pickup') %}
            when {% for pattern in patterns[method] -%}
                lower(coalesce(shipping_lines.code, '') || ' ' || shipping_lines.title) like '{{ pattern }}'
                {%- if not loop.last %} or {% endif %}
            {%- endfor %} then '{{ method }}'
            {%- endfor %}
            when locations.location_name is not null then 'pickup'
            else 'shipping'
        end as delivery_method,
        shipping_lines.position
    from shipping_lines
    left join locations
        on lower(shipping_lines.title) = locations.location_name
        or lower(shipping_lines.code) = locations.location_name

),

square as (

    select
        'square:' || order_id as order_id,
        case fulfillment_type
            when 'PICKUP' then 'pickup'
            when 'SHIPMENT' then 'shipping'
            when 'DELIVERY' then 'local'
        end as delivery_method,
        position
    from fulfillments
    where fulfillment_type in ('PICKUP', 'SHIPMENT', 'DELIVERY')
        -- a fulfillment cancelled or failed did not reach the buyer that way (its order may have another)
        and coalesce(fulfillment_state, '') not in ('CANCELED', 'FAILED')

),

unioned as (

    select * from shopify
    union all
    select * from square

)

{{ first_row_per('unioned', partition_by='order_id', order_by='position, delivery_method',
    columns=['order_id', 'delivery_method']) }}
