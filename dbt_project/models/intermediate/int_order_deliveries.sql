-- One row per order that is delivered: how it reaches the buyer, as shipping, pickup or local. A web order's shipping
-- line (Shopify) names the delivery option chosen at checkout and says itself what it is, in its delivery category
-- (pick-up, local, shipping). A line without one (Shopify leaves it empty on many) is recognised by its code or title:
-- a local delivery or pickup rate by the patterns of the `delivery_rate_patterns` var, a local pickup line by its
-- location's name (Shopify names the line after it) when that is one of the `pickup_location_names` var; anything
-- else is shipped. An in-store sale fulfilled later (Square) has its fulfillment's type: PICKUP, SHIPMENT, DELIVERY.
-- An order with several lines or fulfillments (split between shipping and pickup) is named by its first.

{%- set rate_patterns = var('delivery_rate_patterns') %}
{%- set location_names = [] %}
{%- for name in var('pickup_location_names') %}
    {%- do location_names.append("'" ~ dbt.escape_single_quotes(name | lower) ~ "'") %}
{%- endfor %}

with

shipping_lines as (

    select
        order_id,
        position,
        lower(title) as title,
        lower(code) as code,
        lower(coalesce(code, '') || ' ' || title) as rate_name,
        -- Shopify's category, whatever its spelling: pick-up, PICK_UP and pickup alike
        replace(replace(replace(lower(delivery_category), '-', ''), '_', ''), ' ', '') as category
    from {{ ref('stg_shopify__order_shipping_lines') }}

),

fulfillments as (

    select * from {{ ref('stg_square__order_fulfillments') }}

),

shopify as (

    select
        'shopify:' || order_id as order_id,
        case
            when category = 'pickup' then 'pickup'
            when category in ('local', 'localdelivery') then 'local'
            -- a pickup point (a parcel locker, a partner's counter) is reached by shipping
            when category in ('shipping', 'pickuppoint') then 'shipping'
            {%- for method in ('local', 'pickup') %}
            {%- for pattern in rate_patterns[method] %}
            when rate_name like '{{ dbt.escape_single_quotes(pattern | lower) }}' then '{{ method }}'
            {%- endfor %}
            {%- endfor %}
            {%- if location_names %}
            when title in ({{ location_names | join(', ') }}) or code in ({{ location_names | join(', ') }}) then 'pickup'
            {%- endif %}
            else 'shipping'
        end as delivery_method,
        position
    from shipping_lines

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
