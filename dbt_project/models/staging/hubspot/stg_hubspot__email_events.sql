-- Email events: appended by the loader, so a re-delivered page could repeat an event; one row per id kept. It grows
-- night by night: a night reads only the events loaded since the last (macros/incremental.sql), and an event loaded
-- again replaces its copy.
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='email_event_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ keep_only_landed('email_event_id', 'hubspot', 'email_events') }}"
    )
}}

with

source as (

    select * from {{ source('hubspot', 'email_events') }}
    {% if is_incremental() %}
    where {{ in_loads_not_built('_dlt_load_id') }}
    {% endif %}

),

-- a STATUSCHANGE event lists the subscriptions it changed; the CDP tracks one email consent, so any
-- UNSUBSCRIBED among them is the event's status
subscriptions as (

    select
        _dlt_parent_id,
        case
            when count(case when upper(status) = 'UNSUBSCRIBED' then 1 end) > 0 then 'UNSUBSCRIBED'
            else max(upper(status))
        end as subscription_status
    from ({{ optional_source('hubspot', 'email_events__subscriptions', {
        'status': 'varchar', '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}) as subscription_rows
    group by _dlt_parent_id

),

renamed as (

    select

        ----------  ids
        cast(source.id as string) as email_event_id,
        cast(source.email_campaign_id as string) as email_campaign_id,

        ----------  strings
        upper(source.type) as event_type,
        {{ normalize_email('recipient') }} as recipient_email,
        {{ email_key('recipient') }} as recipient_email_key,
        source.url,
        subscriptions.subscription_status,

        ----------  timestamps (epoch milliseconds)
        {{ epoch_ms_to_timestamp('source.created') }} as created_at,

        ----------  lineage
        source._dlt_load_id as load_id

    from source
    left join subscriptions on source._dlt_id = subscriptions._dlt_parent_id

),

-- the latest load's copy of each event
deduplicated as (

    {{ first_row_per('renamed', partition_by='email_event_id', order_by='load_id desc', columns=[
        'email_event_id', 'email_campaign_id', 'event_type', 'recipient_email', 'recipient_email_key', 'url',
        'subscription_status', 'created_at', 'load_id',
    ]) }}

)

select * from deduplicated
