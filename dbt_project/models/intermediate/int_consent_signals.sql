-- Every consent signal of every source person record, one row per signal, for one purpose each: email (the
-- consent state a record holds, with the time the source gives for it, and each subscription change of the email
-- tool) or advertising (the CRM's advertising-consent property). customer_360 takes, per purpose, the latest signal
-- across a customer's records; at the same instant a withdrawal wins. One purpose never stands in for the other.

with

shopify as (

    select * from {{ ref('stg_shopify__customers') }}

),

square as (

    select * from {{ ref('stg_square__customers') }}

),

hubspot as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

email_events as (

    select * from {{ ref('int_email_events') }}

),

signals as (

    -- Shopify keeps the time consent last changed
    select
        'shopify:' || customer_id as record_id,
        'shopify' as source_system,
        'shopify:customer:' || customer_id as signal_id,
        'email' as purpose,
        email_marketing_state = 'subscribed' as is_consented,
        email_marketing_state as detail,
        coalesce(email_consent_updated_at, updated_at) as signal_at,
        updated_at,
        load_id
    from shopify
    where email_marketing_state is not null

    union all

    -- Square has only the preference, as of the record's last update
    select
        'square:' || customer_id,
        'square',
        'square:customer:' || customer_id,
        'email',
        not is_email_unsubscribed,
        case when is_email_unsubscribed then 'unsubscribed' else 'subscribed' end,
        updated_at,
        updated_at,
        load_id
    from square
    where is_email_unsubscribed is not null

    union all

    -- HubSpot's opt-out property, as of the contact's last update
    select
        'hubspot:' || contact_id,
        'hubspot',
        'hubspot:contact:' || contact_id,
        'email',
        not is_email_opted_out,
        case when is_email_opted_out then 'opted_out' else 'not_opted_out' end,
        updated_at,
        updated_at,
        load_id
    from hubspot
    where is_email_opted_out is not null

    union all

    -- HubSpot's advertising-consent property, as of the contact's last update (HubSpot gives no time per
    -- property); never set is no signal, and no signal is no consent
    select
        'hubspot:' || contact_id,
        'hubspot',
        'hubspot:contact:' || contact_id || ':advertising',
        'advertising',
        is_ads_consent_granted,
        case when is_ads_consent_granted then 'granted' else 'denied' end,
        updated_at,
        updated_at,
        load_id
    from hubspot
    where is_ads_consent_granted is not null

    union all

    -- the email tool's subscription changes, to the minute
    select
        record_id,
        'hubspot',
        'hubspot:email_event:' || email_event_id,
        'email',
        subscription_status = 'SUBSCRIBED',
        lower(subscription_status),
        event_at,
        event_at,
        load_id
    from email_events
    where event_type = 'STATUSCHANGE'
        and subscription_status in ('SUBSCRIBED', 'UNSUBSCRIBED')
        and record_id is not null

)

select
    signal_id,
    record_id,
    source_system,
    purpose,
    is_consented,
    detail,
    signal_at,
    updated_at,
    load_id
from signals
where signal_at is not null
