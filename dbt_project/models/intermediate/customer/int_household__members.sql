-- One row per customer with their household: the customers linked, directly or through one another, by a value
-- of int_household__keys that links (connected components). Components are found by passing the smallest
-- customer id along the links, var household_link_rounds times (each round reaches one customer further; the
-- test household_keys_within_one_household fails if a household needed more). A customer linked to nobody is a
-- household of one.

{%- set rounds = var('household_link_rounds') %}

with

links as (

    select
        customer_id,
        key_kind,
        key_value
    from {{ ref('int_household__keys') }}
    where links

),

labels_0 as (

    select distinct
        customer_id,
        customer_id as smallest_id
    from {{ ref('customer_id_map') }}

),

{%- for round in range(1, rounds + 1) %}

key_labels_{{ round }} as (

    select
        links.key_kind,
        links.key_value,
        min(labels.smallest_id) as smallest_id
    from links
    inner join labels_{{ round - 1 }} as labels on links.customer_id = labels.customer_id
    group by links.key_kind, links.key_value

),

labels_{{ round }} as (

    select
        labels.customer_id,
        least(labels.smallest_id, coalesce(min(key_labels.smallest_id), labels.smallest_id)) as smallest_id
    from labels_{{ round - 1 }} as labels
    left join links on labels.customer_id = links.customer_id
    left join key_labels_{{ round }} as key_labels
        on links.key_kind = key_labels.key_kind and links.key_value = key_labels.key_value
    group by labels.customer_id, labels.smallest_id

),
{%- endfor %}

households as (

    select
        customer_id,
        'household:' || smallest_id as household_id
    from labels_{{ rounds }}

)

select
    households.customer_id,
    households.household_id,
    count(*) over (partition by households.household_id) as household_size
from households
