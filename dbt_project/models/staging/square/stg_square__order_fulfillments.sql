with

source as (

    {{ optional_source('square', 'orders__fulfillments', {
        'uid': 'varchar', 'type': 'varchar', 'state': 'varchar',
        '_dlt_parent_id': 'varchar', '_dlt_list_idx': 'bigint', '_dlt_id': 'varchar',
    }) }}

),

orders as (

    select
        _dlt_id,
        id
    from {{ source('square', 'orders') }}

),

renamed as (

    select

        ----------  ids
        source._dlt_id as fulfillment_id,
        orders.id as order_id,
        source.uid as fulfillment_uid,

        ----------  strings
        upper(source.type) as fulfillment_type,
        upper(source.state) as fulfillment_state,

        ----------  numerics
        cast(source._dlt_list_idx as integer) as position  -- the published name, used downstream -- noqa: RF04

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id

)

select * from renamed
