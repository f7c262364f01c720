-- Loyalty members at most N points (var close_to_reward_points) from their next reward: one more visit earns it.
select customer_id
from {{ ref('customer_360') }}
where is_loyalty_member and loyalty_points_to_next_reward <= {{ var('close_to_reward_points') }}
