with

source as (

    {{ optional_source('shopify', 'checkouts__line_items', {
        'id': 'varchar', 'product__id': 'varchar', 'variant__id': 'varchar', 'sku': 'varchar', 'title': 'varchar',
        'variant_title': 'varchar', 'quantity': 'bigint', 'original_unit_price_set__shop_money__amount': 'varchar',
        'original_unit_price_set__shop_money__currency_code': 'varchar', '_dlt_list_idx': 'bigint',
        '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

checkouts as (

    select
        _dlt_id,
        id,
        total_price_set__shop_money__currency_code as currency
    from {{ source('shopify', 'checkouts') }}

),

renamed as (

    select

        ----------  ids
        cast(checkouts.id as string) || ':' || cast(source._dlt_list_idx as string) as checkout_line_id,
        cast(checkouts.id as string) as checkout_id,
        {{ shopify_id('source.product__id') }} as product_id,
        {{ shopify_id('source.variant__id') }} as variant_id,
        source.sku,

        ----------  strings
        source.title as product_name,
        source.variant_title as variant_name,
        upper(coalesce(source.original_unit_price_set__shop_money__currency_code, checkouts.currency)) as currency,

        ----------  numerics
        cast(source.quantity as integer) as quantity,
        {{ parse_money('source.original_unit_price_set__shop_money__amount') }} as unit_price

    from source
    inner join checkouts on source._dlt_parent_id = checkouts._dlt_id

)

select * from renamed
