with

source as (

    select * from {{ source('shopify', 'orders') }}

),

renamed as (

    select

        ----------  ids
        cast(id as varchar) as order_id,
        cast(customer__id as varchar) as customer_id,
        name as order_name,
        _dlt_id as dlt_id,

        ----------  strings
        lower(trim(email)) as email,
        financial_status,
        lower(source_name) as source_name,
        upper(currency) as currency,
        upper(shipping_address__country_code) as shipping_country,

        ----------  numerics (decimal strings in major units)
        {{ parse_money('total_price') }} as total_amount,
        {{ parse_money('subtotal_price') }} as subtotal_amount,
        {{ parse_money('total_tax') }} as tax_amount,
        {{ parse_money('total_discounts') }} as discount_amount,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('processed_at') }} as processed_at,
        {{ to_utc(column_or_null(source('shopify', 'orders'), 'cancelled_at', 'timestamptz')) }} as cancelled_at,
        {{ to_utc('updated_at') }} as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
