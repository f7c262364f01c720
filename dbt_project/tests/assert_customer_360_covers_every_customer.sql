{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}  {# the asset this check belongs to in Dagster #}
-- customer_360 has exactly one row per customer of customer_id_map.
select coalesce(mapped.customer_id, profiles.customer_id) as customer_id
from (select distinct customer_id from {{ ref('customer_id_map') }}) as mapped
full outer join {{ ref('customer_360') }} as profiles on mapped.customer_id = profiles.customer_id
where mapped.customer_id is null or profiles.customer_id is null
