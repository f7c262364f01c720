-- One row per customer: how to reach them well. The delivery method of most of their revenue orders (shipping, pickup
-- in store, local delivery: a web order's shipping line, an in-store sale's fulfillment; int_order_deliveries), and the
-- best time to contact them: the local hour and weekday (their country's time) at which they open emails most. Ties
-- go to the most recent, then the smallest value. A sale carried out of the store says nothing of how they like to
-- receive things, and neither does a web checkout's chosen option: its order carries the same choice.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

delivery_counts as (

    select
        customer_id,
        delivery_method,
        count(*) as orders,
        max({{ epoch_seconds('ordered_at') }}) as latest
    from {{ ref('fct_orders') }}
    where customer_id is not null and is_revenue and delivery_method is not null
    group by customer_id, delivery_method

),

country_timezones as (

    select * from {{ ref('country_timezones') }}

),

opens as (

    select
        events.customer_id,
        {{ to_local_time('events.event_at', "coalesce(country_timezones.timezone, 'UTC')") }} as opened_at_local,
        {{ epoch_seconds('events.event_at') }} as opened_epoch
    from {{ ref('fct_customer_events') }} as events
    inner join {{ ref('int_customer__identity') }} as profiles on events.customer_id = profiles.customer_id
    left join country_timezones on profiles.country = country_timezones.country
    where events.event_type = 'email_opened'

),

hour_counts as (

    select
        customer_id,
        cast(extract(hour from opened_at_local) as integer) as open_hour,
        count(*) as opens,
        max(opened_epoch) as latest
    from opens
    group by customer_id, cast(extract(hour from opened_at_local) as integer)

),

day_counts as (

    select
        customer_id,
        cast({{ iso_day_of_week('opened_at_local') }} as integer) as open_day,
        count(*) as opens,
        max(opened_epoch) as latest
    from opens
    group by customer_id, cast({{ iso_day_of_week('opened_at_local') }} as integer)

),

delivery as (

    {{ first_row_per('delivery_counts', partition_by='customer_id',
        order_by='orders desc, latest desc, delivery_method',
        columns=['customer_id', 'delivery_method as preferred_delivery_method']) }}

),

best_hour as (

    {{ first_row_per('hour_counts', partition_by='customer_id', order_by='opens desc, latest desc, open_hour',
        columns=['customer_id', 'open_hour as best_contact_hour']) }}

),

best_day as (

    {{ first_row_per('day_counts', partition_by='customer_id', order_by='opens desc, latest desc, open_day',
        columns=['customer_id', 'open_day as best_contact_day_of_week']) }}

)

select
    customers.customer_id,
    delivery.preferred_delivery_method,
    best_hour.best_contact_hour,
    best_day.best_contact_day_of_week
from customers
left join delivery on customers.customer_id = delivery.customer_id
left join best_hour on customers.customer_id = best_hour.customer_id
left join best_day on customers.customer_id = best_day.customer_id
