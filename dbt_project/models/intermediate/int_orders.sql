-- Orders of every channel in one shape: web orders (Shopify, online) and till sales (Square, in store).
-- Amounts stay in the order's currency and are converted to the reporting currency beside it; local time is
-- the store's for in-store sales and the customer's country's for online orders (CONTRACT §4).

with

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

square_orders as (

    select * from {{ ref('stg_square__orders') }}

),

payments as (

    select * from {{ ref('int_payments') }}

),

locations as (

    select * from {{ ref('stg_square__locations') }}

),

deliveries as (

    select * from {{ ref('int_order_deliveries') }}

),

people as (

    select
        record_id,
        country
    from {{ ref('int_person_records') }}

),

country_timezones as (

    select * from {{ ref('country_timezones') }}

),

rates as (

    select * from {{ ref('int_exchange_rates') }}

),

-- the payment that paid most of an order names its payment method
main_payment as (

    {{ first_row_per('payments', partition_by='order_id', order_by='amount desc nulls last, payment_id',
                     columns=['order_id', 'payment_method']) }}

),

unioned as (

    select
        'shopify' as source_system,
        order_id as source_order_id,
        case when customer_id is not null then 'shopify:' || customer_id end as customer_record_id,
        email,
        'online' as channel,
        cast(null as string) as store_id,
        case
            when cancelled_at is not null then 'cancelled'
            when financial_status in ('refunded', 'voided') then 'refunded'
            when financial_status in ('pending', 'authorized') then 'open'
            else 'completed'
        end as status,
        shipping_country,
        total_amount,
        currency,
        created_at as ordered_at,
        updated_at,
        load_id
    from shopify_orders

    union all

    select
        'square' as source_system,
        square_orders.order_id as source_order_id,
        case when square_orders.customer_id is not null then 'square:' || square_orders.customer_id end,
        cast(null as string) as email,
        'in_store' as channel,
        square_orders.location_id as store_id,
        case square_orders.order_state
            when 'COMPLETED' then 'completed'
            when 'CANCELED' then 'cancelled'
            when 'CANCELLED' then 'cancelled'
            else 'open'
        end as status,
        cast(null as string) as shipping_country,
        square_orders.total_amount,
        square_orders.currency,
        square_orders.created_at as ordered_at,
        square_orders.updated_at,
        square_orders.load_id
    from square_orders

),

localised as (

    select
        unioned.*,
        main_payment.payment_method,
        deliveries.delivery_method,
        coalesce(people.country, unioned.shipping_country, locations.country) as customer_country,
        case
            when unioned.channel = 'in_store' then locations.timezone
            else coalesce(country_timezones.timezone, 'UTC')
        end as local_timezone
    from unioned
    left join main_payment
        on main_payment.order_id = unioned.source_system || ':' || unioned.source_order_id
    left join deliveries
        on deliveries.order_id = unioned.source_system || ':' || unioned.source_order_id
    left join people on unioned.customer_record_id = people.record_id
    left join locations on unioned.store_id = locations.location_id
    left join country_timezones
        on coalesce(people.country, unioned.shipping_country) = country_timezones.country

),

converted as (

    select
        localised.*,
        rates.to_reporting_rate as reporting_rate,
        localised.total_amount * rates.to_reporting_rate as total_amount_reporting,
        {{ to_local_time('localised.ordered_at', 'localised.local_timezone') }} as ordered_at_local
    from localised
    left join rates
        on localised.currency = rates.currency
        and cast(localised.ordered_at as date) >= rates.valid_from
        and (rates.valid_to is null or cast(localised.ordered_at as date) < rates.valid_to)

)

select
    source_system || ':' || source_order_id as order_id,
    source_system,
    source_order_id,
    customer_record_id,
    email,
    channel,
    store_id,
    status,
    status in ('completed', 'open') as is_revenue,
    payment_method,
    delivery_method,
    customer_country,
    local_timezone,
    total_amount,
    currency,
    total_amount_reporting,
    reporting_rate,
    ordered_at,
    ordered_at_local,
    cast(ordered_at_local as date) as ordered_local_date,
    cast(extract(hour from ordered_at_local) as bigint) as ordered_local_hour,
    {{ iso_day_of_week('ordered_at_local') }} as ordered_local_day_of_week,
    updated_at,
    load_id
from converted
