-- One row per web session (a client's visit): when, where it came from (channel), what it did, whether it bought,
-- and the customer when one is known (identified in it, or its client linked). The channel is read from the landing
-- page: email or paid campaign parameters first (utm_medium, utm_source), else the referrer's kind (search engine,
-- social network, another site), else direct. The day is the visitor's local day, by their browser's country.

with

events as (

    select * from {{ ref('fct_web_events') }}

),

country_timezones as (

    select * from {{ ref('country_timezones') }}

),

landing as (

    {{ first_row_per('events', partition_by='session_id', order_by='occurred_at, event_seq, event_id',
        columns=['session_id', 'page_path as landing_path', 'referrer', 'utm_source', 'utm_medium',
                 'browser_country']) }}

),

aggregated as (

    select
        session_id,
        client_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as events,
        count(case when event_name = 'page_viewed' then 1 end) as page_views,
        count(case when event_name = 'product_viewed' then 1 end) as product_views,
        count(case when event_name = 'collection_viewed' then 1 end) as collection_views,
        count(case when event_name = 'search_submitted' then 1 end) as searches,
        count(case when event_name = 'product_added_to_cart' then 1 end) as add_to_carts,
        count(case when event_name = 'checkout_started' then 1 end) as checkouts_started,
        count(case when event_name = 'checkout_completed' then 1 end) as checkouts_completed,
        max(case when event_name = 'checkout_completed' then order_ref end) as order_ref,
        count(distinct customer_id) as customers,
        min(customer_id) as only_customer_id,
        count(case when attribution in ('identified', 'session') then 1 end) > 0 as is_identified
    from events
    group by session_id, client_id

)

select
    aggregated.session_id,
    aggregated.client_id,
    case when aggregated.customers = 1 then aggregated.only_customer_id end as customer_id,
    aggregated.is_identified,
    aggregated.started_at,
    aggregated.ended_at,
    cast({{ epoch_seconds('aggregated.ended_at') }} - {{ epoch_seconds('aggregated.started_at') }} as bigint)
        as duration_seconds,
    cast({{ to_local_time('aggregated.started_at', "coalesce(country_timezones.timezone, 'UTC')") }} as date)
        as session_date,
    landing.browser_country as country,
    case
        when landing.utm_medium = 'email' or landing.utm_source in ('hubspot', 'mailchimp', 'klaviyo') then 'email'
        when landing.utm_medium in ('cpc', 'ppc', 'paid_search', 'paidsearch') then 'paid_search'
        when landing.utm_medium in ('paid_social', 'paidsocial') then 'paid_social'
        when landing.utm_medium is not null then 'campaign'
        when landing.referrer is null then 'direct'
        when {{ regexp_extract_group('landing.referrer', "'(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia)\\.'") }}
            is not null
        then 'organic_search'
        when {{ regexp_extract_group(
            'landing.referrer', "'(instagram|facebook|tiktok|twitter|x|pinterest|youtube|linkedin)\\.com'") }}
            is not null
        then 'social'
        else 'referral'
    end as channel,
    landing.landing_path,
    landing.referrer,
    landing.utm_source,
    landing.utm_medium,
    aggregated.events,
    aggregated.page_views,
    aggregated.product_views,
    aggregated.collection_views,
    aggregated.searches,
    aggregated.add_to_carts,
    aggregated.checkouts_started,
    aggregated.checkouts_completed,
    aggregated.order_ref,
    aggregated.checkouts_completed > 0 as converted
from aggregated
inner join landing on aggregated.session_id = landing.session_id
left join country_timezones on landing.browser_country = country_timezones.country
