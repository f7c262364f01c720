{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}  {# the asset this check belongs to in Dagster #}
-- customer_360's advertising consent is the state of the customer's latest advertising-consent event in the
-- timeline (a withdrawal wins a tie); a customer without one has no consent, whatever their email consent.
with

ads_consent_events as (

    select
        customer_id,
        event_at,
        source_system,
        event_type = 'consent_ads_granted' as is_consented,
        row_number() over (
            partition by customer_id
            order by event_at desc,
                case when event_type = 'consent_ads_withdrawn' then 0 else 1 end,
                event_id
        ) as recency_rank
    from {{ ref('fct_customer_events') }}
    where event_type in ('consent_ads_granted', 'consent_ads_withdrawn')

)

select
    customers.customer_id,
    customers.ads_consent,
    ads_consent_events.is_consented
from {{ ref('customer_360') }} as customers
left join ads_consent_events
    on customers.customer_id = ads_consent_events.customer_id
    and ads_consent_events.recency_rank = 1
where customers.ads_consent <> coalesce(ads_consent_events.is_consented, false)
    or customers.ads_consent_at is distinct from ads_consent_events.event_at
    or customers.ads_consent_source is distinct from ads_consent_events.source_system
