-- The conversion funnel per local day, channel and product category: how many sessions viewed a product of the
-- category, added one to the cart, started a checkout holding one, and ordered one (a completed checkout). A session
-- counts once per stage and category; rates are each stage over the views.

with

sessions as (

    select * from {{ ref('web_sessions') }}

),

events as (

    select * from {{ ref('fct_web_events') }}

),

checkout_lines as (

    select * from {{ ref('stg_web__checkout_lines') }}

),

categories as (

    select * from {{ ref('product_categories') }}

),

stages as (

    select
        session_id,
        category,
        case event_name when 'product_viewed' then 'view' else 'cart' end as funnel_stage
    from events
    where event_name in ('product_viewed', 'product_added_to_cart') and category is not null

    union all

    select
        events.session_id,
        coalesce(categories.category, checkout_lines.product_type) as category,
        case events.event_name when 'checkout_started' then 'checkout' else 'order' end as funnel_stage
    from checkout_lines
    inner join events on checkout_lines.event_id = events.event_id
    left join categories on lower(checkout_lines.product_name) = lower(categories.product_name)
    where events.event_name in ('checkout_started', 'checkout_completed')

),

per_session as (

    select
        session_id,
        category,
        max(case when funnel_stage = 'view' then 1 else 0 end) as viewed,
        max(case when funnel_stage = 'cart' then 1 else 0 end) as carted,
        max(case when funnel_stage = 'checkout' then 1 else 0 end) as checked_out,
        max(case when funnel_stage = 'order' then 1 else 0 end) as ordered
    from stages
    where category is not null
    group by session_id, category

),

counted as (

    select
        sessions.session_date,
        sessions.channel,
        per_session.category,
        sum(per_session.viewed) as sessions_viewing,
        sum(per_session.carted) as sessions_adding_to_cart,
        sum(per_session.checked_out) as sessions_checking_out,
        sum(per_session.ordered) as sessions_ordering
    from per_session
    inner join sessions on per_session.session_id = sessions.session_id
    group by sessions.session_date, sessions.channel, per_session.category

)

select
    session_date,
    channel,
    category,
    sessions_viewing,
    sessions_adding_to_cart,
    sessions_checking_out,
    sessions_ordering,
    case when sessions_viewing > 0 then 1.0 * sessions_adding_to_cart / sessions_viewing end as view_to_cart_rate,
    case when sessions_viewing > 0 then 1.0 * sessions_checking_out / sessions_viewing end as view_to_checkout_rate,
    case when sessions_viewing > 0 then 1.0 * sessions_ordering / sessions_viewing end as view_to_order_rate
from counted
