with

source as (

    select * from {{ source('square', 'orders') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

renamed as (

    select

        ----------  ids
        source.id as order_id,
        source.location_id,
        source.customer_id,
        source._dlt_id as dlt_id,

        ----------  strings
        upper(source.state) as order_state,
        upper(source.total_money__currency) as currency,

        ----------  numerics (integer minor units to major units by the currency's ISO 4217 exponent)
        {{ minor_to_major('source.total_money__amount', 'currencies.exponent') }} as total_amount,

        ----------  timestamps
        {{ to_utc('source.created_at') }} as created_at,
        {{ to_utc('source.closed_at') }} as closed_at,
        {{ to_utc('source.updated_at') }} as updated_at,

        ----------  lineage
        source._dlt_load_id as load_id

    from source
    left join currencies on upper(source.total_money__currency) = currencies.currency

)

select * from renamed
