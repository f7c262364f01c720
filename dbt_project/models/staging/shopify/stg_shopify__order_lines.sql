with

source as (

    select * from {{ source('shopify', 'orders__line_items') }}

),

orders as (

    select
        _dlt_id,
        id,
        total_price_set__shop_money__currency_code as currency
    from {{ source('shopify', 'orders') }}

),

renamed as (

    select

        ----------  ids
        {{ shopify_id('source.id') }} as order_line_id,
        cast(orders.id as string) as order_id,
        {{ shopify_id('source.product__id') }} as product_id,
        {{ shopify_id('source.variant__id') }} as variant_id,
        source.sku,

        ----------  strings
        source.title as product_name,
        source.variant_title as variant_name,
        source.vendor,
        upper(coalesce(source.original_unit_price_set__shop_money__currency_code, orders.currency)) as currency,

        ----------  numerics
        cast(source.quantity as integer) as quantity,
        {{ parse_money('source.original_unit_price_set__shop_money__amount') }} as unit_price

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id

)

select * from renamed
