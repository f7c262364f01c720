-- One row per web client ID (a browser's Web Pixels clientId): the customer it belongs to, when exactly one customer
-- was ever identified on it (`linked`); none when several were (`shared`, a shop's tablet or a family computer: never
-- a key) or none yet (`anonymous`). A linked client's browsing before its first tie is kept and counted: it is the
-- customer's (events_before_link). Deterministic: the same events give the same links.

with

events as (

    select
        client_id,
        occurred_at
    from {{ ref('stg_web__pixel_events') }}
    where client_id is not null

),

evidence as (

    select * from {{ ref('web_client_evidence') }}

),

tied as (

    select
        client_id,
        count(distinct customer_id) as customers_tied,
        min(customer_id) as first_customer_id,
        min(first_tied_at) as first_tied_at,
        sum(events) as identifying_events
    from evidence
    group by client_id

),

seen as (

    select
        client_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as events
    from events
    group by client_id

),

before_tie as (

    select
        events.client_id,
        count(*) as events_before_link
    from events
    inner join tied on events.client_id = tied.client_id
    where tied.customers_tied = 1 and events.occurred_at < tied.first_tied_at
    group by events.client_id

)

select
    seen.client_id,
    case
        when tied.customers_tied = 1 then 'linked'
        when tied.customers_tied > 1 then 'shared'
        else 'anonymous'
    end as link_status,
    case when tied.customers_tied = 1 then tied.first_customer_id end as customer_id,
    coalesce(tied.customers_tied, 0) as customers_tied,
    case when tied.customers_tied = 1 then tied.first_tied_at end as linked_at,
    coalesce(tied.identifying_events, 0) as identifying_events,
    seen.first_seen_at,
    seen.last_seen_at,
    seen.events,
    coalesce(before_tie.events_before_link, 0) as events_before_link
from seen
left join tied on seen.client_id = tied.client_id
left join before_tie on seen.client_id = before_tie.client_id
