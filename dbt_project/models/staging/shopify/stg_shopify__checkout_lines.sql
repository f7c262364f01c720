with

source as (

    {{ optional_source('shopify', 'checkouts__line_items', {
        'product_id': 'bigint', 'variant_id': 'bigint', 'sku': 'varchar', 'title': 'varchar',
        'variant_title': 'varchar', 'quantity': 'bigint', 'price': 'varchar', '_dlt_list_idx': 'bigint',
        '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

checkouts as (

    select
        _dlt_id,
        id,
        currency
    from {{ source('shopify', 'checkouts') }}

),

renamed as (

    select

        ----------  ids
        cast(checkouts.id as varchar) || ':' || cast(source._dlt_list_idx as varchar) as checkout_line_id,
        cast(checkouts.id as varchar) as checkout_id,
        cast(source.product_id as varchar) as product_id,
        cast(source.variant_id as varchar) as variant_id,
        source.sku,

        ----------  strings
        source.title as product_name,
        source.variant_title as variant_name,
        upper(checkouts.currency) as currency,

        ----------  numerics
        cast(source.quantity as integer) as quantity,
        {{ parse_money('source.price') }} as unit_price

    from source
    inner join checkouts on source._dlt_parent_id = checkouts._dlt_id

)

select * from renamed
