-- The web events that name a customer, and how: a completed checkout names its buyer (`checkout_customer`), a
-- logged-in visitor's events name them (`logged_in`), a checkout's email names the one customer who owns that email
-- (`checkout_email`). An email several customers share (a family's address) names nobody. These are the only
-- evidence that ties an anonymous web client ID to a person (web_client_links).

with

events as (

    select * from {{ ref('stg_web__pixel_events') }}

),

shopify_customers as (

    select
        source_record_id,
        customer_id
    from {{ ref('customer_id_map') }}
    where source_system = 'shopify'

),

email_owners as (

    select
        records.email_key,
        min(customer_map.customer_id) as customer_id,
        min(records.record_id) as record_id
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('customer_id_map') }} as customer_map on records.record_id = customer_map.record_id
    where records.email_key is not null
    group by records.email_key
    having count(distinct customer_map.customer_id) = 1

),

by_checkout_customer as (

    select
        events.event_id,
        'checkout_customer' as match_type,
        shopify_customers.customer_id,
        'shopify:' || events.checkout_customer_ref as record_id
    from events
    inner join shopify_customers on events.checkout_customer_ref = shopify_customers.source_record_id

),

by_login as (

    select
        events.event_id,
        'logged_in' as match_type,
        shopify_customers.customer_id,
        'shopify:' || events.logged_in_customer_ref as record_id
    from events
    inner join shopify_customers on events.logged_in_customer_ref = shopify_customers.source_record_id

),

by_email as (

    select
        events.event_id,
        'checkout_email' as match_type,
        email_owners.customer_id,
        email_owners.record_id
    from events
    inner join email_owners on events.checkout_email_key = email_owners.email_key

),

ties as (

    select * from by_checkout_customer
    union all
    select * from by_login
    union all
    select * from by_email

),

-- an event naming two customers (logged in as one, checking out with another's email) names the strongest
ranked as (

    {{ first_row_per('ties', partition_by='event_id',
        order_by="case match_type when 'checkout_customer' then 1 when 'logged_in' then 2 else 3 end",
        columns=['event_id', 'match_type', 'customer_id', 'record_id']) }}

)

select
    ranked.event_id,
    events.client_id,
    ranked.customer_id,
    ranked.match_type,
    ranked.record_id,
    events.occurred_at
from ranked
inner join events on ranked.event_id = events.event_id
