with

source as (

    select * from {{ source('shopify', 'orders') }}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as order_id,
        {{ shopify_id('customer__id') }} as customer_id,
        name as order_name,
        _dlt_id as dlt_id,

        ----------  strings
        lower(trim(email)) as email,
        lower(display_financial_status) as financial_status,
        lower(source_name) as source_name,
        upper(total_price_set__shop_money__currency_code) as currency,
        upper(shipping_address__country_code_v2) as shipping_country,

        ----------  numerics (shop money: decimal strings in major units of the order's currency)
        {{ parse_money('total_price_set__shop_money__amount') }} as total_amount,
        {{ parse_money('subtotal_price_set__shop_money__amount') }} as subtotal_amount,
        {{ parse_money('total_tax_set__shop_money__amount') }} as tax_amount,
        {{ parse_money('total_discounts_set__shop_money__amount') }} as discount_amount,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('processed_at') }} as processed_at,
        {{ to_utc('cancelled_at') }} as cancelled_at,
        {{ to_utc('updated_at') }} as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
