-- One row per customer: email engagement, support tickets and abandoned carts from the customer's timeline.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

events as (

    select * from {{ ref('fct_customer_events') }}

),

event_stats as (

    select
        customer_id,
        count(case when event_type = 'email_sent' then 1 end) as emails_sent,
        count(case when event_type = 'email_delivered' then 1 end) as emails_received,
        count(case when event_type = 'email_opened' then 1 end) as emails_opened,
        count(case when event_type = 'email_clicked' then 1 end) as emails_clicked,
        count(case when event_type = 'email_bounced' then 1 end) as emails_bounced,
        max(case when event_type in ('email_opened', 'email_clicked') then event_at end) as last_email_engagement_at,
        max(
            case when event_type in ('email_opened', 'email_clicked', 'order_placed', 'ticket_opened') then event_at end
        ) as last_engagement_at,
        count(distinct case when event_type = 'ticket_opened' then reference_id end) as support_tickets,
        max(case when event_type = 'ticket_opened' then event_at end) as last_support_ticket_at,
        count(case when event_type = 'checkout_abandoned' then 1 end) as abandoned_checkouts,
        coalesce(sum(case when event_type = 'checkout_abandoned' then amount_reporting end), 0)
            as abandoned_checkout_value_reporting,
        max(case when event_type = 'checkout_abandoned' then event_at end) as last_abandoned_checkout_at
    from events
    group by customer_id

)

select
    customers.customer_id,
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
    event_stats.last_abandoned_checkout_at
from customers
left join event_stats on customers.customer_id = event_stats.customer_id
