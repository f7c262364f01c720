with

source as (

    select * from {{ source('shopify', 'orders__line_items') }}

),

orders as (

    select
        _dlt_id,
        id,
        currency
    from {{ source('shopify', 'orders') }}

),

renamed as (

    select

        ----------  ids
        cast(source.id as varchar) as order_line_id,
        cast(orders.id as varchar) as order_id,
        cast(source.product_id as varchar) as product_id,
        cast(source.variant_id as varchar) as variant_id,
        source.sku,

        ----------  strings
        source.title as product_name,
        source.variant_title as variant_name,
        source.vendor,
        upper(orders.currency) as currency,

        ----------  numerics
        cast(source.quantity as integer) as quantity,
        {{ parse_money('source.price') }} as unit_price

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id

)

select * from renamed
