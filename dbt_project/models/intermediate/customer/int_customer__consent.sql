-- One row per customer: email and advertising consent. Per purpose, the latest signal across all the customer's
-- records and the email tool wins; at the same instant a withdrawal wins; no signal means no consent. One purpose
-- never stands in for the other.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

events as (

    select * from {{ ref('fct_customer_events') }}

),

latest_email_consent as (

    {{ first_row_per(
        'events',
        partition_by='customer_id',
        order_by="event_at desc, case when event_type in ('consent_withdrawn', 'email_unsubscribed') then 0 else 1 end, event_id",
        columns=[
            'customer_id',
            "event_type in ('consent_granted', 'email_subscribed') as email_consent",
            'event_at as email_consent_at',
            'source_system as email_consent_source',
        ],
        where="event_type in ('consent_granted', 'consent_withdrawn', 'email_subscribed', 'email_unsubscribed')",
    ) }}

),

latest_ads_consent as (

    {{ first_row_per(
        'events',
        partition_by='customer_id',
        order_by="event_at desc, case when event_type = 'consent_ads_withdrawn' then 0 else 1 end, event_id",
        columns=[
            'customer_id',
            "event_type = 'consent_ads_granted' as ads_consent",
            'event_at as ads_consent_at',
            'source_system as ads_consent_source',
        ],
        where="event_type in ('consent_ads_granted', 'consent_ads_withdrawn')",
    ) }}

)

select
    customers.customer_id,
    coalesce(latest_email_consent.email_consent, false) as email_consent,
    latest_email_consent.email_consent_at,
    latest_email_consent.email_consent_source,
    coalesce(latest_ads_consent.ads_consent, false) as ads_consent,
    latest_ads_consent.ads_consent_at,
    latest_ads_consent.ads_consent_source
from customers
left join latest_email_consent on customers.customer_id = latest_email_consent.customer_id
left join latest_ads_consent on customers.customer_id = latest_ads_consent.customer_id
