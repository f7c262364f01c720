{{ config(meta={'dagster': {'ref': {'name': 'int_household__keys'}}}) }}  {# the asset this check belongs to in Dagster #}
-- A till's placeholder (0000000000, noemail@…) links nobody: identity's own placeholder rule (cdp_is_placeholder)
-- must call no linking phone or email one.
select key_kind
from {{ ref('int_household__keys') }}
where links
  and key_kind in ('phone', 'email')
  and cdp_is_placeholder(key_value, key_kind)
