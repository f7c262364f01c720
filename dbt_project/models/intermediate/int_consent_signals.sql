-- Every consent signal of every source person record, one row per signal, for one purpose each: email (the
-- consent state a record holds, and each subscription change of the email tool) or advertising (the CRM's
-- advertising-consent property). customer_360 takes, per purpose, the latest signal across a customer's records; at
-- the same instant a withdrawal wins. One purpose never stands in for the other.
--
-- A signal is timed when its consent state was set, never at the record's updated_at: any edit (an address, a
-- phone) moves that, and would let an old state beat a newer one on another record. Where the source keeps the
-- time it is that time (Shopify's consent_updated_at, HubSpot's property history, the email tool's events); Square
-- keeps none, so it is the first load that saw the state after another one (raw_square.consent_observations, kept
-- by the loader so that a full refresh rebuilds the same signals). A state with no known time (never seen to change)
-- counts at the bound least favourable to contact: a consent at the record's creation (the earliest it can have been
-- given), a refusal at the record's last update (the latest it can have been set).

with

shopify as (

    select * from {{ ref('stg_shopify__customers') }}

),

square as (

    select * from {{ ref('stg_square__customers') }}

),

square_observations as (

    select * from {{ ref('stg_square__consent_observations') }}

),

hubspot as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

email_events as (

    select * from {{ ref('int_email_events') }}

),

-- when loads saw each Square customer's preference: the last load that saw another one than today's, if any
square_other_state as (

    select
        square.customer_id,
        max(
            case
                when observations.is_email_unsubscribed <> square.is_email_unsubscribed then observations.observed_at
            end
        ) as other_state_last_seen_at
    from square
    inner join square_observations as observations on square.customer_id = observations.customer_id
    group by square.customer_id

),

-- ... and the first load that saw the current one after it
square_state_seen as (

    select
        other.customer_id,
        other.other_state_last_seen_at,
        min(observations.observed_at) as state_first_seen_at
    from square_other_state as other
    inner join square on other.customer_id = square.customer_id
    inner join square_observations as observations
        on other.customer_id = observations.customer_id
        and square.is_email_unsubscribed = observations.is_email_unsubscribed
        and (other.other_state_last_seen_at is null or other.other_state_last_seen_at < observations.observed_at)
    group by other.customer_id, other.other_state_last_seen_at

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
        case
            when email_consent_updated_at is not null then email_consent_updated_at
            when email_marketing_state = 'subscribed' then created_at
            else updated_at
        end as signal_at,
        updated_at,
        load_id
    from shopify
    where email_marketing_state is not null

    union all

    -- Square keeps only the preference: the first load that saw it change dates it
    select
        'square:' || square.customer_id,
        'square',
        'square:customer:' || square.customer_id,
        'email',
        not square.is_email_unsubscribed,
        case when square.is_email_unsubscribed then 'unsubscribed' else 'subscribed' end,
        case
            when seen.other_state_last_seen_at is not null then coalesce(seen.state_first_seen_at, square.updated_at)
            when not square.is_email_unsubscribed then square.created_at
            else square.updated_at
        end,
        square.updated_at,
        square.load_id
    from square
    left join square_state_seen as seen on square.customer_id = seen.customer_id
    where square.is_email_unsubscribed is not null

    union all

    -- HubSpot's opt-out property, at the time its history says it took its value
    select
        'hubspot:' || contact_id,
        'hubspot',
        'hubspot:contact:' || contact_id,
        'email',
        not is_email_opted_out,
        case when is_email_opted_out then 'opted_out' else 'not_opted_out' end,
        case
            when email_optout_set_at is not null then email_optout_set_at
            when not is_email_opted_out then created_at
            else updated_at
        end,
        updated_at,
        load_id
    from hubspot
    where is_email_opted_out is not null

    union all

    -- HubSpot's advertising-consent property, at the time its history says it took its value; never set is no
    -- signal, and no signal is no consent
    select
        'hubspot:' || contact_id,
        'hubspot',
        'hubspot:contact:' || contact_id || ':advertising',
        'advertising',
        is_ads_consent_granted,
        case when is_ads_consent_granted then 'granted' else 'denied' end,
        case
            when ads_consent_set_at is not null then ads_consent_set_at
            when is_ads_consent_granted then created_at
            else updated_at
        end,
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
