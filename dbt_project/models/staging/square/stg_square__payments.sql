with

source as (

    select * from {{ source('square', 'payments') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

renamed as (

    select

        ----------  ids
        source.id as payment_id,
        source.order_id,
        source.customer_id,
        source.location_id,

        ----------  strings
        upper(source.status) as payment_status,
        upper(source.source_type) as source_type,
        upper(coalesce(
            {{ column_or_null(source('square', 'payments'), 'card_details__card__card_brand') }},
            {{ column_or_null(source('square', 'payments'), 'wallet_details__brand') }}
        )) as brand,
        upper(source.amount_money__currency) as currency,

        ----------  numerics
        {{ minor_to_major('source.amount_money__amount', 'currencies.exponent') }} as amount,

        ----------  timestamps
        {{ to_utc('source.created_at') }} as created_at,

        ----------  lineage
        source._dlt_load_id as load_id

    from source
    left join currencies on upper(source.amount_money__currency) = currencies.currency

)

select * from renamed
