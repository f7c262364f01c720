{{ config(meta={'dagster': {'ref': {'name': 'int_household__members'}}}) }}  {# the asset this check belongs to in Dagster #}
-- Every linking value's customers are in one household: otherwise int_household__members stopped passing labels
-- before the component was whole (raise var household_link_rounds).
select keys.key_kind, count(distinct members.household_id) as households
from {{ ref('int_household__keys') }} as keys
inner join {{ ref('int_household__members') }} as members on keys.customer_id = members.customer_id
where keys.links
group by keys.key_kind, keys.key_value
having count(distinct members.household_id) > 1
