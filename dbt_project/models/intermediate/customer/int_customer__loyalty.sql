-- One row per customer: Square Loyalty membership, points and rewards (marts.loyalty_ledger, one row per account).
-- A customer with several accounts (typed twice at the till) has their balances and lifetime points added up; the
-- next reward is the nearest any of their accounts can reach (rewards are per account). The status tier is the
-- highest of seeds/loyalty_tiers.csv their lifetime points reach. Points expiring soon are those Square schedules to
-- expire within var points_expiring_days (30) after the as-of time.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

accounts as (

    select * from {{ ref('loyalty_ledger') }}
    where customer_id is not null

),

reward_tiers as (

    select * from {{ ref('stg_square__loyalty_reward_tiers') }}

),

status_tiers as (

    select * from {{ ref('loyalty_tiers') }}

),

deadlines as (

    select * from {{ ref('stg_square__loyalty_point_deadlines') }}

),

members as (

    select
        customer_id,
        count(*) as loyalty_accounts,
        cast(sum(balance) as bigint) as loyalty_points_balance,
        cast(sum(lifetime_points) as bigint) as loyalty_lifetime_points,
        min(enrolled_at) as loyalty_enrolled_at,
        max(last_redeemed_at) as loyalty_last_redeemed_at
    from accounts
    group by customer_id

),

reachable as (

    select
        accounts.customer_id,
        reward_tiers.reward_name,
        reward_tiers.points - accounts.balance as points_to_go,
        reward_tiers.points
    from accounts
    inner join reward_tiers on accounts.balance < reward_tiers.points

),

next_reward as (

    {{ first_row_per('reachable', partition_by='customer_id', order_by='points_to_go, points, reward_name',
        columns=['customer_id', 'reward_name as loyalty_next_reward',
                 'cast(points_to_go as bigint) as loyalty_points_to_next_reward']) }}

),

status as (

    select
        members.customer_id,
        status_tiers.tier,
        status_tiers.min_lifetime_points
    from members
    inner join status_tiers on members.loyalty_lifetime_points >= status_tiers.min_lifetime_points

),

tier as (

    {{ first_row_per('status', partition_by='customer_id', order_by='min_lifetime_points desc',
        columns=['customer_id', 'tier as loyalty_tier']) }}

),

expiring as (

    select
        accounts.customer_id,
        cast(sum(deadlines.points) as bigint) as points
    from deadlines
    inner join accounts on deadlines.loyalty_account_id = accounts.loyalty_account_id
    where deadlines.expires_at > {{ as_of() }}
        and deadlines.expires_at <= {{ dbt.dateadd('day', var('points_expiring_days'), as_of()) }}
    group by accounts.customer_id

)

select
    customers.customer_id,
    members.customer_id is not null as is_loyalty_member,
    members.loyalty_accounts,
    members.loyalty_points_balance,
    members.loyalty_lifetime_points,
    tier.loyalty_tier,
    next_reward.loyalty_next_reward,
    next_reward.loyalty_points_to_next_reward,
    case when members.customer_id is not null then coalesce(expiring.points, 0) end as loyalty_points_expiring_30d,
    members.loyalty_enrolled_at,
    members.loyalty_last_redeemed_at
from customers
left join members on customers.customer_id = members.customer_id
left join tier on customers.customer_id = tier.customer_id
left join next_reward on customers.customer_id = next_reward.customer_id
left join expiring on customers.customer_id = expiring.customer_id
