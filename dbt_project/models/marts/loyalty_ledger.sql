-- One row per Square Loyalty account: the balance Square reports beside the balance its own ledger of events adds
-- up to, split by kind (earned by purchases, adjusted in and out, spent on rewards, given back by deleted rewards,
-- expired). `difference` is what the events do not explain: 0 when the ledger reconciles; otherwise an event is
-- missing (in quarantine, or not loaded yet) or the account was changed outside its ledger.

with

accounts as (

    select * from {{ ref('stg_square__loyalty_accounts') }}

),

events as (

    select * from {{ ref('stg_square__loyalty_events') }}

),

customers as (

    select
        source_record_id,
        customer_id
    from {{ ref('customer_id_map') }}
    where source_system = 'square'

),

ledger as (

    select
        loyalty_account_id,
        count(*) as events,
        cast(coalesce(sum(points), 0) as bigint) as balance_from_events,
        cast(coalesce(sum(case when event_type = 'ACCUMULATE_POINTS' then points end), 0) as bigint) as points_earned,
        cast(coalesce(sum(case when event_type = 'ADJUST_POINTS' and points > 0 then points end), 0) as bigint)
            as points_adjusted_in,
        cast(coalesce(sum(case when event_type = 'ADJUST_POINTS' and points < 0 then points end), 0) as bigint)
            as points_adjusted_out,
        cast(coalesce(sum(case when event_type = 'CREATE_REWARD' then points end), 0) as bigint)
            as points_spent_on_rewards,
        cast(coalesce(sum(case when event_type = 'DELETE_REWARD' then points end), 0) as bigint) as points_returned,
        cast(coalesce(sum(case when event_type = 'EXPIRE_POINTS' then points end), 0) as bigint) as points_expired,
        count(case when event_type = 'CREATE_REWARD' then 1 end) as rewards_created,
        count(case when event_type = 'REDEEM_REWARD' then 1 end) as rewards_redeemed,
        count(case when event_type = 'DELETE_REWARD' then 1 end) as rewards_deleted,
        min(created_at) as first_event_at,
        max(created_at) as last_event_at,
        max(case when event_type = 'REDEEM_REWARD' then created_at end) as last_redeemed_at
    from events
    group by loyalty_account_id

)

select
    accounts.loyalty_account_id,
    customers.customer_id,
    accounts.customer_id as square_customer_id,
    accounts.enrolled_at,
    accounts.balance,
    accounts.lifetime_points,
    coalesce(ledger.balance_from_events, 0) as balance_from_events,
    accounts.balance - coalesce(ledger.balance_from_events, 0) as difference,
    accounts.balance = coalesce(ledger.balance_from_events, 0) as is_reconciled,
    coalesce(ledger.points_earned, 0) as points_earned,
    coalesce(ledger.points_adjusted_in, 0) as points_adjusted_in,
    coalesce(ledger.points_adjusted_out, 0) as points_adjusted_out,
    coalesce(ledger.points_spent_on_rewards, 0) as points_spent_on_rewards,
    coalesce(ledger.points_returned, 0) as points_returned,
    coalesce(ledger.points_expired, 0) as points_expired,
    coalesce(ledger.rewards_created, 0) as rewards_created,
    coalesce(ledger.rewards_redeemed, 0) as rewards_redeemed,
    coalesce(ledger.rewards_deleted, 0) as rewards_deleted,
    coalesce(ledger.events, 0) as events,
    ledger.first_event_at,
    ledger.last_event_at,
    ledger.last_redeemed_at,
    accounts.updated_at
from accounts
left join ledger on accounts.loyalty_account_id = ledger.loyalty_account_id
left join customers on accounts.customer_id = customers.source_record_id
