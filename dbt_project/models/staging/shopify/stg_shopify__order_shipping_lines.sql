with

source as (

    {{ optional_source('shopify', 'orders__shipping_lines', {
        'id': 'varchar', 'title': 'varchar', 'code': 'varchar', 'source': 'varchar', 'carrier_identifier': 'varchar',
        'delivery_category': 'varchar', 'original_price_set__shop_money__amount': 'varchar',
        'original_price_set__shop_money__currency_code': 'varchar', '_dlt_parent_id': 'varchar',
        '_dlt_list_idx': 'bigint', '_dlt_id': 'varchar',
    }) }}

),

orders as (

    select
        _dlt_id,
        id
    from {{ source('shopify', 'orders') }}

),

renamed as (

    select

        ----------  ids
        coalesce({{ shopify_id('source.id') }}, source._dlt_id) as shipping_line_id,
        cast(orders.id as string) as order_id,

        ----------  strings
        source.title,
        source.code,
        source.source as rate_source,
        source.carrier_identifier,
        source.delivery_category,
        upper(source.original_price_set__shop_money__currency_code) as currency,

        ----------  numerics
        cast(source._dlt_list_idx as integer) as position,  -- the published name, used downstream -- noqa: RF04
        {{ parse_money('source.original_price_set__shop_money__amount') }} as price

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id

)

select * from renamed
