-- One row per household (int_household__members): its size and what links its members. Customers living alone
-- are households of one. No address, phone or email: those stay in intermediate.int_household__keys.

with

members as (

    select * from {{ ref('int_household__members') }}

),

links as (

    select
        customer_id,
        key_kind
    from {{ ref('int_household__keys') }}
    where links

)

select
    members.household_id,
    max(members.household_size) as household_size,
    min(members.customer_id) as first_customer_id,
    count(case when links.key_kind = 'address' then 1 end) > 0 as linked_by_address,
    count(case when links.key_kind = 'phone' then 1 end) > 0 as linked_by_phone,
    count(case when links.key_kind = 'email' then 1 end) > 0 as linked_by_email
from members
left join links on members.customer_id = links.customer_id
group by members.household_id
