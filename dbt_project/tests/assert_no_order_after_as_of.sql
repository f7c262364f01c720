{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}  {# the asset this check belongs to in Dagster #}
-- Nothing happens after the run's as-of time: a failure means the as-of is wrong (or a source's clock is).
{{ config(severity='warn') }}
select order_id, ordered_at
from {{ ref('fct_orders') }}
where ordered_at > {{ as_of() }}
