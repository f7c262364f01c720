-- The customer timeline: one row per event of a source person record that belongs to a customer.
-- Incremental on the event's load id; events of records that moved to another customer are rebuilt too.
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

events as (

    select * from {{ ref('int_customer_events') }}

),

customer_map as (

    select * from {{ ref('customer_id_map') }}

)

select
    events.event_id,
    customer_map.customer_id,
    events.event_at,
    events.event_type,
    events.source_system,
    events.record_id,
    events.channel,
    events.reference_id,
    events.detail,
    events.amount,
    events.currency,
    events.amount_reporting,
    events.updated_at,
    events.load_id
from events
inner join customer_map on events.record_id = customer_map.record_id

{% if is_incremental() %}
where {{ in_loads_not_built('events.load_id') }}
    or events.event_id in (
        select existing.event_id
        from {{ this }} as existing
        left join customer_map as current_map on existing.record_id = current_map.record_id
        where existing.customer_id is distinct from current_map.customer_id
    )
{% endif %}
