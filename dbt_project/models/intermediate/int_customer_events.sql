-- Every interaction of a source person record as one event stream, keyed by that record (the marts map records
-- to customers): orders, abandoned checkouts, email engagement, support tickets, consent signals, sign-ups.

with

orders as (

    select * from {{ ref('int_orders') }}

),

checkouts as (

    select * from {{ ref('stg_shopify__checkouts') }}

),

email_events as (

    select * from {{ ref('int_email_events') }}

),

tickets as (

    select * from {{ ref('stg_hubspot__tickets') }}

),

ticket_contacts as (

    select * from {{ ref('stg_hubspot__ticket_contacts') }}

),

consent as (

    select * from {{ ref('int_consent_signals') }}

),

people as (

    select * from {{ ref('int_person_records') }}

),

rates as (

    select * from {{ ref('int_exchange_rates') }}

),

events as (

    select
        'order:' || order_id as event_id,
        'order_placed' as event_type,
        ordered_at as event_at,
        source_system,
        customer_record_id as record_id,
        channel,
        order_id as reference_id,
        status as detail,
        total_amount as amount,
        currency,
        total_amount_reporting as amount_reporting,
        updated_at,
        load_id
    from orders
    where customer_record_id is not null

    union all

    select
        'checkout:shopify:' || checkouts.checkout_id,
        'checkout_abandoned',
        checkouts.created_at,
        'shopify',
        'shopify:' || checkouts.customer_id,
        'online',
        'shopify:' || checkouts.checkout_id,
        cast(null as string),
        checkouts.total_amount,
        checkouts.currency,
        checkouts.total_amount * rates.to_reporting_rate,
        checkouts.updated_at,
        checkouts.load_id
    from checkouts
    left join rates
        on checkouts.currency = rates.currency
        and cast(checkouts.created_at as date) >= rates.valid_from
        and (rates.valid_to is null or cast(checkouts.created_at as date) < rates.valid_to)
    where checkouts.completed_at is null
        and checkouts.customer_id is not null

    union all

    select
        'email:hubspot:' || email_event_id,
        case event_type
            when 'SENT' then 'email_sent'
            when 'DELIVERED' then 'email_delivered'
            when 'OPEN' then 'email_opened'
            when 'CLICK' then 'email_clicked'
            when 'BOUNCE' then 'email_bounced'
            when 'STATUSCHANGE' then
                case subscription_status when 'SUBSCRIBED' then 'email_subscribed' else 'email_unsubscribed' end
            else 'email_' || lower(event_type)
        end,
        event_at,
        'hubspot',
        record_id,
        'email',
        email_campaign_id,
        coalesce(url, lower(subscription_status)),
        cast(null as decimal(38, 4)),
        cast(null as string),
        cast(null as decimal(38, 4)),
        event_at,
        load_id
    from email_events
    where record_id is not null

    union all

    select
        'ticket:hubspot:' || tickets.ticket_id || ':' || ticket_contacts.contact_id,
        'ticket_opened',
        tickets.created_at,
        'hubspot',
        'hubspot:' || ticket_contacts.contact_id,
        'support',
        tickets.ticket_id,
        tickets.subject,
        cast(null as decimal(38, 4)),
        cast(null as string),
        cast(null as decimal(38, 4)),
        tickets.updated_at,
        tickets.load_id
    from tickets
    inner join ticket_contacts on tickets.ticket_id = ticket_contacts.ticket_id

    union all

    -- the consent state each record holds, per purpose (the channel); the email tool's own changes are the
    -- email_(un)subscribed events. Advertising has event types of its own so that nothing reading email consent
    -- can take it for email consent, and the reverse.
    select
        'consent:' || signal_id,
        case
            when purpose = 'advertising' then
                case when is_consented then 'consent_ads_granted' else 'consent_ads_withdrawn' end
            when is_consented then 'consent_granted'
            else 'consent_withdrawn'
        end,
        signal_at,
        source_system,
        record_id,
        purpose,
        cast(null as string),
        detail,
        cast(null as decimal(38, 4)),
        cast(null as string),
        cast(null as decimal(38, 4)),
        updated_at,
        load_id
    from consent
    where signal_id not like 'hubspot:email_event:%'

    union all

    select
        'signup:' || record_id,
        'signed_up',
        created_at,
        source_system,
        record_id,
        case source_system when 'shopify' then 'online' when 'square' then 'in_store' else 'crm' end,
        cast(null as string),
        cast(null as string),
        cast(null as decimal(38, 4)),
        cast(null as string),
        cast(null as decimal(38, 4)),
        created_at,
        load_id
    from people
    where created_at is not null

)

select
    events.event_id,
    events.event_type,
    events.event_at,
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
where events.event_at is not null
