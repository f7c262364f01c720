-- One row per order of any channel, with its customer. Incremental on the row's load id; an order whose
-- customer changed (identity merges and splits) is rebuilt too, so a full refresh gives the same table.
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

orders as (

    select * from {{ ref('int_orders') }}

),

customer_map as (

    select * from {{ ref('customer_id_map') }}

)

select
    orders.order_id,
    customer_map.customer_id,
    orders.customer_record_id,
    orders.source_system,
    orders.source_order_id,
    orders.ordered_at,
    orders.ordered_at_local,
    orders.ordered_local_date,
    orders.ordered_local_hour,
    orders.ordered_local_day_of_week,
    orders.local_timezone,
    orders.total_amount,
    orders.currency,
    orders.total_amount_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    orders.channel,
    orders.store_id,
    orders.status,
    orders.is_revenue,
    orders.payment_method,
    orders.delivery_method,
    orders.customer_country,
    orders.updated_at,
    orders.load_id
from orders
left join customer_map on orders.customer_record_id = customer_map.record_id

{% if is_incremental() %}
where {{ in_loads_not_built('orders.load_id') }}
    or orders.order_id in (
        select existing.order_id
        from {{ this }} as existing
        left join customer_map as current_map on existing.customer_record_id = current_map.record_id
        where existing.customer_id is distinct from current_map.customer_id
    )
{% endif %}
