-- One row per customer: what they do on the web shop (marts.fct_web_events and web_sessions, attributed to them by
-- identification in the event or session, or by their linked web client IDs). Sessions and views not bought count
-- the var behaviour_days (30) before the as-of time; a product viewed then is "not bought" unless the customer ordered
-- it (any channel) at or after their last view of it. Favourites are the most viewed, ties to the most recent.

{%- set since = dbt.dateadd('day', -1 * var('behaviour_days'), as_of()) %}

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

events as (

    select * from {{ ref('fct_web_events') }}
    where customer_id is not null and occurred_at <= {{ as_of() }}

),

sessions as (

    select * from {{ ref('web_sessions') }}
    where customer_id is not null and started_at <= {{ as_of() }}

),

clients as (

    select
        customer_id,
        count(*) as web_clients,
        cast(sum(events_before_link) as bigint) as web_events_before_identified
    from {{ ref('web_client_links') }}
    where link_status = 'linked'
    group by customer_id

),

order_lines as (

    select
        customer_id,
        lower(product_name) as product_key,
        max(ordered_at) as last_bought_at
    from {{ ref('fct_order_lines') }}
    where customer_id is not null and is_revenue
    group by customer_id, lower(product_name)

),

session_stats as (

    select
        customer_id,
        count(*) as web_sessions,
        count(case when started_at >= {{ since }} then 1 end) as web_sessions_30d,
        max(started_at) as last_web_visit_at
    from sessions
    group by customer_id

),

product_views as (

    select
        customer_id,
        product_name,
        category,
        count(*) as view_count,
        max({{ epoch_seconds('occurred_at') }}) as latest
    from events
    where event_name = 'product_viewed' and product_name is not null
    group by customer_id, product_name, category

),

category_views as (

    select
        customer_id,
        category,
        sum(view_count) as view_count,
        max(latest) as latest
    from product_views
    where category is not null
    group by customer_id, category

),

most_viewed_product as (

    {{ first_row_per('product_views', partition_by='customer_id', order_by='view_count desc, latest desc, product_name',
        columns=['customer_id', 'product_name as most_viewed_product']) }}

),

most_viewed_category as (

    {{ first_row_per('category_views', partition_by='customer_id', order_by='view_count desc, latest desc, category',
        columns=['customer_id', 'category as most_viewed_category']) }}

),

recently_viewed as (

    select
        customer_id,
        product_name,
        max(occurred_at) as last_viewed_at
    from events
    where event_name = 'product_viewed' and product_name is not null and occurred_at >= {{ since }}
    group by customer_id, product_name

),

not_bought as (

    select
        recently_viewed.customer_id,
        {{ ordered_list(
            'recently_viewed.product_name',
            ['recently_viewed.last_viewed_at desc', 'recently_viewed.product_name']
        ) }} as viewed_not_bought_products
    from recently_viewed
    left join order_lines
        on recently_viewed.customer_id = order_lines.customer_id
        and lower(recently_viewed.product_name) = order_lines.product_key
        and recently_viewed.last_viewed_at <= order_lines.last_bought_at
    where order_lines.customer_id is null
    group by recently_viewed.customer_id

),

last_search as (

    {{ first_row_per('events', partition_by='customer_id', order_by='occurred_at desc, event_id desc',
        columns=['customer_id', 'search_query as last_search_terms', 'occurred_at as last_search_at'],
        where="event_name = 'search_submitted' and search_query is not null") }}

)

select
    customers.customer_id,
    coalesce(session_stats.web_sessions, 0) as web_sessions,
    coalesce(session_stats.web_sessions_30d, 0) as web_sessions_30d,
    session_stats.last_web_visit_at,
    coalesce(clients.web_clients, 0) as web_clients,
    coalesce(clients.web_events_before_identified, 0) as web_events_before_identified,
    most_viewed_product.most_viewed_product,
    most_viewed_category.most_viewed_category,
    not_bought.viewed_not_bought_products,
    last_search.last_search_terms,
    last_search.last_search_at
from customers
left join session_stats on customers.customer_id = session_stats.customer_id
left join clients on customers.customer_id = clients.customer_id
left join most_viewed_product on customers.customer_id = most_viewed_product.customer_id
left join most_viewed_category on customers.customer_id = most_viewed_category.customer_id
left join not_bought on customers.customer_id = not_bought.customer_id
left join last_search on customers.customer_id = last_search.customer_id
