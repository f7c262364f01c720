{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}  {# the asset this check belongs to in Dagster #}
-- customer_360's email consent is the state of the customer's latest consent event in the timeline
-- (a withdrawal wins a tie), and a customer without any consent event has no consent.
with

consent_events as (

    select
        customer_id,
        event_at,
        event_type in ('consent_granted', 'email_subscribed') as is_consented,
        row_number() over (
            partition by customer_id
            order by event_at desc,
                case when event_type in ('consent_withdrawn', 'email_unsubscribed') then 0 else 1 end,
                event_id
        ) as recency_rank
    from {{ ref('fct_customer_events') }}
    where event_type in ('consent_granted', 'consent_withdrawn', 'email_subscribed', 'email_unsubscribed')

)

select
    customers.customer_id,
    customers.email_consent,
    consent_events.is_consented
from {{ ref('customer_360') }} as customers
left join consent_events
    on customers.customer_id = consent_events.customer_id
    and consent_events.recency_rank = 1
where customers.email_consent <> coalesce(consent_events.is_consented, false)
    or customers.email_consent_at is distinct from consent_events.event_at
