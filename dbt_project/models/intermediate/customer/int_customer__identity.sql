-- One row per customer: the golden profile chosen among the customer's source person records (survivorship),
-- the birth date most of them agree on, and how many records of each source make the customer.
-- The rule of each column is in _int_customer__models.yml.

with

customer_map as (

    select * from {{ ref('customer_id_map') }}

),

people as (

    select * from {{ ref('int_person_records') }}

),

customer_records as (

    select
        customer_map.customer_id,
        people.*,
        -- crm > ecommerce > pos
        case people.source_system when 'hubspot' then 3 when 'shopify' then 2 else 1 end as source_rank,
        coalesce({{ epoch_seconds('people.updated_at') }}, 0) as updated_epoch,
        -- breaks the ties that remain by record id, so every choice is deterministic
        row_number() over (partition by customer_map.customer_id order by people.record_id desc) as record_rank
    from customer_map
    inner join people on customer_map.record_id = people.record_id

),

-- one number per record and rule, the highest wins
records as (

    select
        *,
        -- names: crm > ecommerce > pos, then most recently updated
        (source_rank * 1e11 + updated_epoch) * 1000 + record_rank as name_priority,
        -- everything else: most recently updated, then crm > ecommerce > pos
        (updated_epoch * 10 + source_rank) * 1000 + record_rank as recency_priority
    from customer_records

),

birth_dates as (

    select
        customer_id,
        date_of_birth,
        count(*) as records,
        max(recency_priority) as recency_priority
    from records
    where date_of_birth is not null
    group by customer_id, date_of_birth

),

golden_birth_date as (

    {{ first_row_per('birth_dates', partition_by='customer_id',
                     order_by='records desc, recency_priority desc, date_of_birth',
                     columns=['customer_id', 'date_of_birth']) }}

),

profile as (

    select
        customer_id,
        {{ latest_by('first_name', 'name_priority') }} as first_name,
        {{ latest_by('last_name', 'name_priority') }} as last_name,
        {{ latest_by('email', 'recency_priority') }} as email,
        {{ latest_by('phone', 'recency_priority') }} as phone,
        {{ latest_by('address', 'recency_priority') }} as address,
        -- city and postcode from the record that gave the address, else the latest known
        coalesce(
            {{ latest_by('city', 'recency_priority', where='address is not null') }},
            {{ latest_by('city', 'recency_priority') }}
        ) as city,
        coalesce(
            {{ latest_by('postcode', 'recency_priority', where='address is not null') }},
            {{ latest_by('postcode', 'recency_priority') }}
        ) as postcode,
        {{ latest_by('country', 'recency_priority') }} as country,
        {{ latest_by('gender', 'recency_priority') }} as gender,
        count(*) as source_record_count,
        count(case when source_system = 'shopify' then 1 end) as shopify_record_count,
        count(case when source_system = 'square' then 1 end) as square_record_count,
        count(case when source_system = 'hubspot' then 1 end) as hubspot_record_count,
        min(created_at) as first_seen_at,
        max(updated_at) as profile_updated_at
    from records
    group by customer_id

)

select
    profile.customer_id,
    profile.first_name,
    profile.last_name,
    profile.email,
    profile.phone,
    profile.address,
    profile.city,
    profile.postcode,
    profile.country,
    profile.gender,
    golden_birth_date.date_of_birth,
    profile.source_record_count,
    profile.shopify_record_count,
    profile.square_record_count,
    profile.hubspot_record_count,
    profile.first_seen_at,
    profile.profile_updated_at
from profile
left join golden_birth_date on profile.customer_id = golden_birth_date.customer_id
