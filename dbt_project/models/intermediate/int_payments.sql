-- Payments of every channel in one shape. Square reports each payment with its source type; Shopify reports the
-- gateways that paid an order, so a paid web order is one payment of its total through its first gateway.

with

square_payments as (

    select * from {{ ref('stg_square__payments') }}

),

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

shopify_gateways as (

    select * from {{ ref('stg_shopify__order_gateways') }}

),

first_gateway as (

    {{ first_row_per('shopify_gateways', partition_by='order_id', order_by='gateway_position',
                     columns=['order_id', 'gateway']) }}

),

unioned as (

    select
        'square' as source_system,
        payment_id as source_payment_id,
        'square:' || order_id as order_id,
        case when customer_id is not null then 'square:' || customer_id end as customer_record_id,
        case source_type
            when 'CARD' then 'card'
            when 'CASH' then 'cash'
            when 'WALLET' then 'wallet'
            else lower(coalesce(source_type, 'other'))
        end as payment_method,
        brand,
        lower(payment_status) as status,
        amount,
        currency,
        created_at as paid_at,
        load_id
    from square_payments

    union all

    select
        'shopify' as source_system,
        shopify_orders.order_id as source_payment_id,
        'shopify:' || shopify_orders.order_id as order_id,
        case when shopify_orders.customer_id is not null then 'shopify:' || shopify_orders.customer_id end,
        case first_gateway.gateway
            when 'shopify_payments' then 'card'
            when 'paypal' then 'wallet'
            when 'shop_pay' then 'wallet'
            when 'cash_on_delivery' then 'cash'
            else coalesce(first_gateway.gateway, 'other')
        end as payment_method,
        first_gateway.gateway as brand,
        shopify_orders.financial_status as status,
        shopify_orders.total_amount as amount,
        shopify_orders.currency,
        coalesce(shopify_orders.processed_at, shopify_orders.created_at) as paid_at,
        shopify_orders.load_id
    from shopify_orders
    left join first_gateway on shopify_orders.order_id = first_gateway.order_id

)

select
    source_system || ':' || source_payment_id as payment_id,
    source_system,
    source_payment_id,
    order_id,
    customer_record_id,
    payment_method,
    brand,
    status,
    amount,
    currency,
    paid_at,
    load_id
from unioned
