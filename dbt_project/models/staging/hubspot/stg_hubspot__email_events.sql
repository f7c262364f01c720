-- Email events: appended by the loader, so a re-delivered page could repeat an event; one row per id kept.
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('hubspot', 'email_events') }}

),

renamed as (

    select

        ----------  ids
        cast(id as varchar) as email_event_id,
        cast(email_campaign_id as varchar) as email_campaign_id,

        ----------  strings
        upper(type) as event_type,
        {{ normalize_email('recipient') }} as recipient_email,
        {{ email_key('recipient') }} as recipient_email_key,
        url,
        upper(subscription_status) as subscription_status,

        ----------  timestamps (epoch milliseconds)
        {{ epoch_ms_to_timestamp('created') }} as created_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source
    qualify row_number() over (partition by id order by _dlt_load_id desc) = 1

)

select * from renamed
