-- One row per customer: golden profile, demographics, transactions, preferences, interactions, behaviour,
-- consent, lifecycle and birthday, computed as of the run's as-of time (macros/as_of.sql).
-- Survivorship rules are documented per column in _marts__models.yml.

with

customer_map as (

    select * from {{ ref('customer_id_map') }}

),

people as (

    select * from {{ ref('int_person_records') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where customer_id is not null and is_revenue

),

events as (

    select * from {{ ref('fct_customer_events') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

as_of as (

    select as_of_at, as_of_date from {{ ref('int_run_as_of') }}

),

---------- identity: survivorship over the customer's source records

records as (

    select
        customer_map.customer_id,
        people.*,
        -- names: crm > ecommerce > pos, then most recently updated
        -- (the last term breaks remaining ties by record id, so the choice is deterministic)
        (case people.source_system when 'hubspot' then 3 when 'shopify' then 2 else 1 end * 1e11
            + coalesce({{ epoch_seconds('people.updated_at') }}, 0)) * 1000
            + row_number() over (partition by customer_map.customer_id order by people.record_id desc) as name_priority,
        -- everything else: most recently updated, then crm > ecommerce > pos
        (coalesce({{ epoch_seconds('people.updated_at') }}, 0) * 10
            + case people.source_system when 'hubspot' then 3 when 'shopify' then 2 else 1 end) * 1000
            + row_number() over (partition by customer_map.customer_id order by people.record_id desc) as recency_priority
    from customer_map
    inner join people on customer_map.record_id = people.record_id

),

birth_dates as (

    select
        customer_id,
        date_of_birth,
        count(*) as records,
        max(recency_priority) as recency_priority
    from records
    where date_of_birth is not null
    group by customer_id, date_of_birth

),

golden_birth_date as (

    select customer_id, date_of_birth
    from birth_dates
    qualify row_number() over (
        partition by customer_id order by records desc, recency_priority desc, date_of_birth
    ) = 1

),

profile as (

    select
        customer_id,
        {{ survivor('first_name', 'name_priority') }} as first_name,
        {{ survivor('last_name', 'name_priority') }} as last_name,
        {{ survivor('email', 'recency_priority') }} as email,
        {{ survivor('phone', 'recency_priority') }} as phone,
        {{ survivor('address', 'recency_priority') }} as address,
        -- city and postcode from the record that gave the address, else the latest known
        coalesce(max_by(city, recency_priority) filter (where address is not null),
                 {{ survivor('city', 'recency_priority') }}) as city,
        coalesce(max_by(postcode, recency_priority) filter (where address is not null),
                 {{ survivor('postcode', 'recency_priority') }}) as postcode,
        {{ survivor('country', 'recency_priority') }} as country,
        {{ survivor('gender', 'recency_priority') }} as gender,
        count(*) as source_record_count,
        count(case when source_system = 'shopify' then 1 end) as shopify_record_count,
        count(case when source_system = 'square' then 1 end) as square_record_count,
        count(case when source_system = 'hubspot' then 1 end) as hubspot_record_count,
        min(created_at) as first_seen_at,
        max(updated_at) as profile_updated_at
    from records
    group by customer_id

),

---------- transactions

order_stats as (

    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(total_amount_reporting) as total_spend_reporting,
        avg(total_amount_reporting) as average_order_value_reporting,
        count(case when channel = 'online' then 1 end) as online_order_count,
        count(case when channel = 'in_store' then 1 end) as in_store_order_count
    from orders
    where is_revenue
    group by customer_id

),

rfm as (

    select
        order_stats.customer_id,
        ntile(5) over (order by order_stats.last_order_at, order_stats.customer_id) as recency_score,
        ntile(5) over (
            order by order_stats.order_count, order_stats.last_order_at, order_stats.customer_id
        ) as frequency_score,
        ntile(5) over (
            order by order_stats.total_spend_reporting, order_stats.last_order_at, order_stats.customer_id
        ) as monetary_score
    from order_stats

),

store_counts as (

    select customer_id, store_id, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where is_revenue and channel = 'in_store' and store_id is not null
    group by customer_id, store_id

),

payment_counts as (

    select customer_id, payment_method, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where is_revenue and payment_method is not null
    group by customer_id, payment_method

),

channel_counts as (

    select customer_id, channel, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where is_revenue
    group by customer_id, channel

),

day_counts as (

    select customer_id, ordered_local_day_of_week, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where is_revenue
    group by customer_id, ordered_local_day_of_week

),

hour_counts as (

    select customer_id, ordered_local_hour, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where is_revenue
    group by customer_id, ordered_local_hour

),

product_counts as (

    select customer_id, product_name, sum(quantity) as units, max({{ epoch_seconds('ordered_at') }}) as latest
    from order_lines
    group by customer_id, product_name

),

category_counts as (

    select customer_id, category, sum(quantity) as units, max({{ epoch_seconds('ordered_at') }}) as latest
    from order_lines
    group by customer_id, category

),

{%- set favourites = [
    ('store_counts', 'store_id', 'orders', 'favourite_store_id'),
    ('payment_counts', 'payment_method', 'orders', 'preferred_payment_method'),
    ('channel_counts', 'channel', 'orders', 'preferred_channel'),
    ('day_counts', 'ordered_local_day_of_week', 'orders', 'usual_purchase_day_of_week'),
    ('hour_counts', 'ordered_local_hour', 'orders', 'usual_purchase_hour'),
    ('product_counts', 'product_name', 'units', 'favourite_product'),
    ('category_counts', 'category', 'units', 'favourite_category'),
] %}

-- each favourite: the value with most orders (or units), ties to the most recent, then the smallest value
{% for counts, value, weight, trait in favourites %}
{{ trait }} as (

    select customer_id, {{ value }} as {{ trait }}
    from {{ counts }}
    qualify row_number() over (partition by customer_id order by {{ weight }} desc, latest desc, {{ value }}) = 1

),

{% endfor %}
preferences as (

    select
        customers.customer_id
        {%- for counts, value, weight, trait in favourites %},
        {{ trait }}.{{ trait }}
        {%- endfor %}
    from (select distinct customer_id from customer_map) as customers
    {%- for counts, value, weight, trait in favourites %}
    left join {{ trait }} on customers.customer_id = {{ trait }}.customer_id
    {%- endfor %}

),

---------- interactions, behaviour and consent from the timeline

event_stats as (

    select
        customer_id,
        count(case when event_type = 'email_sent' then 1 end) as emails_sent,
        count(case when event_type = 'email_delivered' then 1 end) as emails_received,
        count(case when event_type = 'email_opened' then 1 end) as emails_opened,
        count(case when event_type = 'email_clicked' then 1 end) as emails_clicked,
        count(case when event_type = 'email_bounced' then 1 end) as emails_bounced,
        max(case when event_type in ('email_opened', 'email_clicked') then event_at end) as last_email_engagement_at,
        max(case when event_type in ('email_opened', 'email_clicked', 'order_placed', 'ticket_opened')
            then event_at end) as last_engagement_at,
        count(distinct case when event_type = 'ticket_opened' then reference_id end) as support_tickets,
        max(case when event_type = 'ticket_opened' then event_at end) as last_support_ticket_at,
        count(case when event_type = 'checkout_abandoned' then 1 end) as abandoned_checkouts,
        coalesce(sum(case when event_type = 'checkout_abandoned' then amount_reporting end), 0)
            as abandoned_checkout_value_reporting,
        max(case when event_type = 'checkout_abandoned' then event_at end) as last_abandoned_checkout_at
    from events
    group by customer_id

),

-- latest consent signal across sources wins; at the same instant a withdrawal wins
latest_consent as (

    select
        customer_id,
        event_type in ('consent_granted', 'email_subscribed') as email_consent,
        event_at as email_consent_at,
        source_system as email_consent_source
    from events
    where event_type in ('consent_granted', 'consent_withdrawn', 'email_subscribed', 'email_unsubscribed')
    qualify row_number() over (
        partition by customer_id
        order by event_at desc,
            case when event_type in ('consent_withdrawn', 'email_unsubscribed') then 0 else 1 end,
            event_id
    ) = 1

),

-- advertising consent by the same rule, from its own signals only: email consent never stands in for it
latest_ads_consent as (

    select
        customer_id,
        event_type = 'consent_ads_granted' as ads_consent,
        event_at as ads_consent_at,
        source_system as ads_consent_source
    from events
    where event_type in ('consent_ads_granted', 'consent_ads_withdrawn')
    qualify row_number() over (
        partition by customer_id
        order by event_at desc,
            case when event_type = 'consent_ads_withdrawn' then 0 else 1 end,
            event_id
    ) = 1

),

---------- assembly

joined as (

    select
        profile.customer_id,

        ---------- identity
        profile.first_name,
        profile.last_name,
        profile.email,
        profile.phone,
        profile.address,
        profile.city,
        profile.postcode,
        profile.country,
        profile.source_record_count,
        profile.shopify_record_count,
        profile.square_record_count,
        profile.hubspot_record_count,
        profile.first_seen_at,
        profile.profile_updated_at,

        ---------- demographics
        golden_birth_date.date_of_birth,
        cast(golden_birth_date.date_of_birth as date) as birth_date,
        profile.gender,

        ---------- transactions
        order_stats.first_order_at,
        order_stats.last_order_at,
        coalesce(order_stats.order_count, 0) as order_count,
        coalesce(order_stats.total_spend_reporting, 0) as total_spend_reporting,
        order_stats.average_order_value_reporting,
        order_stats.online_order_count,
        order_stats.in_store_order_count,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,

        ---------- preferences
        preferences.favourite_store_id,
        stores.store_name as favourite_store_name,
        preferences.favourite_product,
        preferences.favourite_category,
        preferences.preferred_payment_method,
        preferences.preferred_channel,
        preferences.usual_purchase_day_of_week,
        preferences.usual_purchase_hour,

        ---------- interactions and behaviour
        coalesce(event_stats.emails_sent, 0) as emails_sent,
        coalesce(event_stats.emails_received, 0) as emails_received,
        coalesce(event_stats.emails_opened, 0) as emails_opened,
        coalesce(event_stats.emails_clicked, 0) as emails_clicked,
        coalesce(event_stats.emails_bounced, 0) as emails_bounced,
        event_stats.last_email_engagement_at,
        event_stats.last_engagement_at,
        coalesce(event_stats.support_tickets, 0) as support_tickets,
        event_stats.last_support_ticket_at,
        coalesce(event_stats.abandoned_checkouts, 0) as abandoned_checkouts,
        coalesce(event_stats.abandoned_checkout_value_reporting, 0) as abandoned_checkout_value_reporting,
        event_stats.last_abandoned_checkout_at,

        ---------- consent
        coalesce(latest_consent.email_consent, false) as email_consent,
        latest_consent.email_consent_at,
        latest_consent.email_consent_source,
        coalesce(latest_ads_consent.ads_consent, false) as ads_consent,
        latest_ads_consent.ads_consent_at,
        latest_ads_consent.ads_consent_source,

        as_of.as_of_at,
        as_of.as_of_date
    from profile
    cross join as_of
    left join golden_birth_date on profile.customer_id = golden_birth_date.customer_id
    left join order_stats on profile.customer_id = order_stats.customer_id
    left join rfm on profile.customer_id = rfm.customer_id
    left join preferences on profile.customer_id = preferences.customer_id
    left join stores on preferences.favourite_store_id = stores.store_id
    left join event_stats on profile.customer_id = event_stats.customer_id
    left join latest_consent on profile.customer_id = latest_consent.customer_id
    left join latest_ads_consent on profile.customer_id = latest_ads_consent.customer_id

),

derived as (

    select
        joined.*,
        {{ dbt.datediff('joined.last_order_at', 'joined.as_of_at', 'day') }} as recency_days,
        {{ dbt.datediff('joined.first_order_at', 'joined.as_of_at', 'day') }} as days_since_first_order,
        extract(month from joined.birth_date) as birth_month,
        extract(day from joined.birth_date) as birth_day,
        {{ birthday_in_year('extract(year from joined.as_of_date)', 'extract(month from joined.birth_date)',
                            'extract(day from joined.birth_date)') }} as birthday_this_year
    from joined

),

with_birthday as (

    select
        derived.*,
        cast(case
            when birthday_this_year >= as_of_date then birthday_this_year
            else {{ birthday_in_year('extract(year from as_of_date) + 1', 'birth_month', 'birth_day') }}
        end as date) as next_birthday
    from derived

)

select
    customer_id,

    ---------- identity
    first_name,
    last_name,
    email,
    phone,
    address,
    city,
    postcode,
    country,
    source_record_count,
    shopify_record_count,
    square_record_count,
    hubspot_record_count,
    first_seen_at,
    profile_updated_at,

    ---------- demographics
    date_of_birth,
    case when birth_date is not null then
        extract(year from as_of_date) - extract(year from birth_date)
        - case when birthday_this_year > as_of_date then 1 else 0 end
    end as age,
    gender,

    ---------- transactions
    first_order_at,
    last_order_at,
    order_count,
    total_spend_reporting,
    average_order_value_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    -- orders per 30 days between the first order and the as-of time (at least one period)
    case when order_count > 0 then
        order_count / greatest(1.0, days_since_first_order / 30.0)
    end as orders_per_month,
    recency_days,
    recency_score,
    frequency_score,
    monetary_score,
    case when recency_score is not null then
        cast(recency_score as varchar) || cast(frequency_score as varchar) || cast(monetary_score as varchar)
    end as rfm_cell,
    case when order_count > 0 then cast(online_order_count as double) / order_count end as online_share,
    case when order_count > 0 then cast(in_store_order_count as double) / order_count end as in_store_share,

    ---------- preferences
    favourite_store_id,
    favourite_store_name,
    favourite_product,
    favourite_category,
    preferred_payment_method,
    preferred_channel,
    usual_purchase_day_of_week,
    usual_purchase_hour,

    ---------- interactions and behaviour
    emails_sent,
    emails_received,
    emails_opened,
    emails_clicked,
    emails_bounced,
    last_email_engagement_at,
    last_engagement_at,
    support_tickets,
    last_support_ticket_at,
    abandoned_checkouts,
    abandoned_checkout_value_reporting,
    last_abandoned_checkout_at,

    ---------- consent
    email_consent,
    email_consent_at,
    email_consent_source,
    email_consent and email is not null as is_email_contactable,
    ads_consent,
    ads_consent_at,
    ads_consent_source,

    ---------- lifecycle
    case
        when order_count = 0 then 'lead'
        when days_since_first_order <= {{ var('lifecycle_new_days') }} then 'new'
        when recency_days <= {{ var('lifecycle_active_days') }} then 'active'
        when recency_days <= {{ var('lifecycle_at_risk_days') }} then 'at_risk'
        else 'lapsed'
    end as lifecycle_stage,

    ---------- birthday
    birth_month,
    birth_day,
    next_birthday,
    {{ dbt.datediff('as_of_date', 'next_birthday', 'day') }} as days_to_next_birthday,

    as_of_at
from with_birthday
