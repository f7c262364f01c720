-- One row per web event, in its session, with the customer it is attributed to: the customer the event itself names
-- (web_identified_events), else the one customer identified in its session (a visit that logs in or checks out
-- later), else the customer its client ID is linked to (identity.web_client_links). A session is a client's run
-- of events no further apart than var web_session_gap_minutes (30), as web analytics count visits.

{%- set gap_seconds = var('web_session_gap_minutes') * 60 %}

with

events as (

    select * from {{ ref('stg_web__pixel_events') }}
    where client_id is not null and occurred_at is not null

),

identified as (

    select * from {{ ref('web_identified_events') }}

),

links as (

    select
        client_id,
        customer_id
    from {{ ref('web_client_links') }}
    where link_status = 'linked'

),

categories as (

    select * from {{ ref('product_categories') }}

),

ordered as (

    select
        events.*,
        lag(events.occurred_at) over (
            partition by events.client_id order by events.occurred_at, events.event_seq, events.event_id
        ) as previous_at
    from events

),

numbered as (

    select
        *,
        sum(
            case
                when previous_at is null
                    or {{ epoch_seconds('occurred_at') }} - {{ epoch_seconds('previous_at') }} > {{ gap_seconds }}
                then 1
                else 0
            end
        ) over (
            partition by client_id
            order by occurred_at, event_seq, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from ordered

),

sessions as (

    select
        client_id,
        session_number,
        min(occurred_at) as session_started_at
    from numbered
    group by client_id, session_number

),

-- a session identifies its visitor when exactly one customer is named in it (two on a shop's tablet: nobody)
session_customers as (

    select
        numbered.client_id,
        numbered.session_number,
        min(identified.customer_id) as customer_id
    from numbered
    inner join identified on numbered.event_id = identified.event_id
    group by numbered.client_id, numbered.session_number
    having count(distinct identified.customer_id) = 1

)

select
    numbered.event_id,
    numbered.client_id,
    numbered.client_id || ':' || cast(cast({{ epoch_seconds('sessions.session_started_at') }} as bigint) as string)
        as session_id,
    coalesce(identified.customer_id, session_customers.customer_id, links.customer_id) as customer_id,
    case
        when identified.customer_id is not null then 'identified'
        when session_customers.customer_id is not null then 'session'
        when links.customer_id is not null then 'stitched'
    end as attribution,
    numbered.event_name,
    numbered.event_seq,
    numbered.occurred_at,
    sessions.session_started_at,
    numbered.page_path,
    numbered.referrer,
    numbered.utm_source,
    numbered.utm_medium,
    numbered.browser_country,
    numbered.product_name,
    coalesce(categories.category, numbered.product_type) as category,
    numbered.search_query,
    numbered.collection,
    numbered.quantity,
    numbered.checkout_token,
    numbered.order_ref,
    numbered.delivery_type,
    numbered.checkout_total,
    numbered.currency,
    numbered.load_id
from numbered
inner join sessions
    on numbered.client_id = sessions.client_id and numbered.session_number = sessions.session_number
left join identified on numbered.event_id = identified.event_id
left join session_customers
    on numbered.client_id = session_customers.client_id and numbered.session_number = session_customers.session_number
left join links on numbered.client_id = links.client_id
left join categories on lower(numbered.product_name) = lower(categories.product_name)
