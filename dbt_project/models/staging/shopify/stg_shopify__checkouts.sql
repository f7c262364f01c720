with

source as (

    select * from {{ source('shopify', 'checkouts') }}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as checkout_id,
        {{ shopify_id('customer__id') }} as customer_id,

        ----------  strings
        lower(trim(customer__email)) as email,
        upper(total_price_set__shop_money__currency_code) as currency,

        ----------  numerics
        {{ parse_money('total_price_set__shop_money__amount') }} as total_amount,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('completed_at') }} as completed_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
