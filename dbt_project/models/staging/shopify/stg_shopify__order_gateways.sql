with

source as (

    {{ optional_source('shopify', 'orders__payment_gateway_names', {
        'value': 'varchar', '_dlt_list_idx': 'bigint', '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
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
        cast(orders.id as string) as order_id,
        lower(source.value) as gateway,
        source._dlt_list_idx as gateway_position
    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id

)

select * from renamed
