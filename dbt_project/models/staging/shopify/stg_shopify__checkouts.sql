with

source as (

    select * from {{ source('shopify', 'checkouts') }}

),

renamed as (

    select

        ----------  ids
        cast(id as varchar) as checkout_id,
        cast(customer__id as varchar) as customer_id,
        token as checkout_token,

        ----------  strings
        lower(trim(email)) as email,
        upper(currency) as currency,

        ----------  numerics
        {{ parse_money('total_price') }} as total_amount,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc(column_or_null(source('shopify', 'checkouts'), 'completed_at', 'timestamptz')) }} as completed_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
