-- One row per customer: golden profile, demographics, transactions, preferences, interactions, web behaviour,
-- loyalty, feedback, consent, lifecycle, birthday and predictions, computed as of the run's as-of time
-- (macros/as_of.sql).
-- Each concern is an intermediate model (models/intermediate/customer/) with its rules; this joins them.

with

profiles as (

    select * from {{ ref('int_customer__identity') }}

),

transactions as (

    select * from {{ ref('int_customer__transactions') }}

),

preferences as (

    select * from {{ ref('int_customer__preferences') }}

),

engagement as (

    select * from {{ ref('int_customer__engagement') }}

),

consent as (

    select * from {{ ref('int_customer__consent') }}

),

lifecycle as (

    select * from {{ ref('int_customer__lifecycle') }}

),

birthdays as (

    select * from {{ ref('int_customer__birthdays') }}

),

households as (

    select * from {{ ref('int_household__members') }}

),

predictions as (

    select * from {{ ref('int_customer__predictions') }}

),

reachability as (

    select * from {{ ref('int_customer__reachability') }}

),

behaviour as (

    select * from {{ ref('int_customer__behaviour') }}

),

loyalty as (

    select * from {{ ref('int_customer__loyalty') }}

),

feedback as (

    select * from {{ ref('int_customer__feedback') }}

),

as_of as (

    select as_of_at from {{ ref('int_run_as_of') }}

)

select
    profiles.customer_id,

    ---------- identity
    profiles.first_name,
    profiles.last_name,
    profiles.email,
    profiles.phone,
    profiles.address,
    profiles.city,
    profiles.postcode,
    profiles.country,
    profiles.source_record_count,
    profiles.shopify_record_count,
    profiles.square_record_count,
    profiles.hubspot_record_count,
    profiles.first_seen_at,
    profiles.profile_updated_at,

    ---------- household
    households.household_id,
    households.household_size,

    ---------- demographics
    profiles.date_of_birth,
    birthdays.age,
    profiles.gender,

    ---------- transactions
    transactions.first_order_at,
    transactions.last_order_at,
    transactions.order_count,
    transactions.total_spend_reporting,
    transactions.average_order_value_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    lifecycle.orders_per_month,
    lifecycle.recency_days,
    transactions.recency_score,
    transactions.frequency_score,
    transactions.monetary_score,
    transactions.rfm_cell,
    transactions.online_share,
    transactions.in_store_share,

    ---------- preferences
    preferences.favourite_store_id,
    preferences.favourite_store_name,
    preferences.favourite_product,
    preferences.favourite_category,
    preferences.preferred_payment_method,
    preferences.preferred_channel,
    preferences.usual_purchase_day_of_week,
    preferences.usual_purchase_hour,
    reachability.preferred_delivery_method,
    reachability.best_contact_hour,
    reachability.best_contact_day_of_week,

    ---------- interactions and behaviour
    engagement.emails_sent,
    engagement.emails_received,
    engagement.emails_opened,
    engagement.emails_clicked,
    engagement.emails_bounced,
    engagement.last_email_engagement_at,
    engagement.last_engagement_at,
    engagement.support_tickets,
    engagement.last_support_ticket_at,
    engagement.abandoned_checkouts,
    engagement.abandoned_checkout_value_reporting,
    engagement.last_abandoned_checkout_at,

    ---------- web behaviour
    behaviour.web_sessions,
    behaviour.web_sessions_30d,
    behaviour.last_web_visit_at,
    behaviour.web_clients,
    behaviour.web_events_before_identified,
    behaviour.most_viewed_product,
    behaviour.most_viewed_category,
    behaviour.viewed_not_bought_products,
    behaviour.last_search_terms,
    behaviour.last_search_at,

    ---------- loyalty
    loyalty.is_loyalty_member,
    loyalty.loyalty_accounts,
    loyalty.loyalty_points_balance,
    loyalty.loyalty_lifetime_points,
    loyalty.loyalty_tier,
    loyalty.loyalty_next_reward,
    loyalty.loyalty_points_to_next_reward,
    loyalty.loyalty_points_expiring_30d,
    loyalty.loyalty_enrolled_at,
    loyalty.loyalty_last_redeemed_at,

    ---------- feedback
    feedback.feedback_responses,
    feedback.nps_responses,
    feedback.last_nps_score,
    feedback.last_nps_category,
    feedback.last_nps_at,
    feedback.average_csat,
    feedback.csat_responses,
    feedback.average_ces,
    feedback.last_feedback_comment_at,
    feedback.is_detractor,
    feedback.is_promoter,

    ---------- consent
    consent.email_consent,
    consent.email_consent_at,
    consent.email_consent_source,
    consent.email_consent and profiles.email is not null as is_email_contactable,
    consent.ads_consent,
    consent.ads_consent_at,
    consent.ads_consent_source,

    ---------- lifecycle
    lifecycle.lifecycle_stage,

    ---------- birthday
    birthdays.birth_month,
    birthdays.birth_day,
    birthdays.next_birthday,
    birthdays.days_to_next_birthday,

    ---------- predictions (backtested; null with the reason when withheld)
    predictions.churn_probability,
    predictions.churn_top_reasons,
    predictions.churn_probability_null_reason,
    predictions.purchase_propensity_30d,
    predictions.purchase_propensity_30d_null_reason,
    predictions.predicted_value_120d,
    predictions.predicted_value_120d_null_reason,
    predictions.next_products,
    predictions.next_products_null_reason,

    as_of.as_of_at
from profiles
cross join as_of
left join transactions on profiles.customer_id = transactions.customer_id
left join preferences on profiles.customer_id = preferences.customer_id
left join engagement on profiles.customer_id = engagement.customer_id
left join consent on profiles.customer_id = consent.customer_id
left join lifecycle on profiles.customer_id = lifecycle.customer_id
left join birthdays on profiles.customer_id = birthdays.customer_id
left join households on profiles.customer_id = households.customer_id
left join predictions on profiles.customer_id = predictions.customer_id
left join reachability on profiles.customer_id = reachability.customer_id
left join behaviour on profiles.customer_id = behaviour.customer_id
left join loyalty on profiles.customer_id = loyalty.customer_id
left join feedback on profiles.customer_id = feedback.customer_id
