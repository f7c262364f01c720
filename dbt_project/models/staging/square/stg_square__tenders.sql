with

source as (

    {{ optional_source('square', 'orders__tenders', {
        'id': 'varchar', 'type': 'varchar', 'payment_id': 'varchar', 'amount_money__amount': 'bigint',
        '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

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
        coalesce(source.id, source._dlt_id) as tender_id,
        orders.id as order_id,
        source.payment_id,

        ----------  strings
        upper(source.type) as tender_type,
        upper(orders.total_money__currency) as currency,

        ----------  numerics
        {{ minor_to_major('source.amount_money__amount', 'currencies.exponent') }} as amount

    from source
    inner join orders on source._dlt_parent_id = orders._dlt_id
    left join currencies on upper(orders.total_money__currency) = currencies.currency

)

select * from renamed
