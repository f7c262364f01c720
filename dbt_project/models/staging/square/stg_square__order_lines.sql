with

source as (

    select * from {{ source('square', 'orders__line_items') }}

),

orders as (

    select
        _dlt_id,
        id,
        total_money__currency
    from {{ source('square', 'orders') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

renamed as (

    select

        ----------  ids
        source.uid as order_line_id,
        orders.id as order_id,
        source.catalog_object_id as variation_id,

        ----------  strings
        source.name as product_name,
        source.variation_name as variant_name,
        upper(orders.total_money__currency) as currency,

        ----------  numerics (Square sends quantity as a decimal string, money in minor units)
        cast(source.quantity as decimal(18, 4)) as quantity,
        {{ minor_to_major('source.base_price_money__amount', 'currencies.exponent') }} as unit_price,
        {{ minor_to_major('source.total_money__amount', 'currencies.exponent') }} as line_amount

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id
    left join currencies on upper(orders.total_money__currency) = currencies.currency

)

select * from renamed
