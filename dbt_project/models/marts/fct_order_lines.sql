-- One row per order line of any channel, with its customer and product. Incremental like fct_orders, an order at a
-- time: an order loaded again replaces all its lines, so a line an order edit took off goes with it.
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

lines as (

    select * from {{ ref('int_order_lines') }}

),

customer_map as (

    select * from {{ ref('customer_id_map') }}

)

select
    lines.order_line_id,
    lines.order_id,
    customer_map.customer_id,
    lines.customer_record_id,
    lines.source_system,
    lines.source_order_line_id,
    lines.product_id,
    lines.product_name,
    lines.variant_name,
    lines.sku,
    lines.category,
    lines.quantity,
    lines.unit_price,
    lines.line_amount,
    lines.currency,
    lines.line_amount_reporting,
    lines.channel,
    lines.store_id,
    lines.status,
    lines.is_revenue,
    lines.ordered_at,
    lines.ordered_local_date,
    lines.updated_at,
    lines.load_id
from lines
left join customer_map on lines.customer_record_id = customer_map.record_id

{% if is_incremental() %}
where {{ in_loads_not_built('lines.load_id') }}
    or lines.order_line_id in (
        select existing.order_line_id
        from {{ this }} as existing
        left join customer_map as current_map on existing.customer_record_id = current_map.record_id
        where existing.customer_id is distinct from current_map.customer_id
    )
{% endif %}
