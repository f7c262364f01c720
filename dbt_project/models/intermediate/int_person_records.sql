-- Every source person record in the canonical person-record schema of CONTRACT §5: the input of identity
-- resolution. Values are staged (cleaned by identity/'s functions), which resolve() passes through unchanged.

with

shopify as (

    select * from {{ ref('stg_shopify__customers') }}

),

square as (

    select * from {{ ref('stg_square__customers') }}

),

hubspot as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

unioned as (

    select
        'shopify' as source_system,
        customer_id as source_record_id,
        first_name,
        last_name,
        email,
        email_key,
        phone,
        cast(null as string) as date_of_birth,
        address,
        city,
        postcode,
        country,
        created_at,
        updated_at,
        load_id
    from shopify

    union all

    select
        'square' as source_system,
        customer_id as source_record_id,
        first_name,
        last_name,
        email,
        email_key,
        phone,
        date_of_birth,
        address,
        city,
        postcode,
        country,
        created_at,
        updated_at,
        load_id
    from square

    union all

    select
        'hubspot' as source_system,
        contact_id as source_record_id,
        first_name,
        last_name,
        email,
        email_key,
        phone,
        date_of_birth,
        address,
        city,
        postcode,
        country,
        created_at,
        updated_at,
        load_id
    from hubspot

)

select
    source_system || ':' || source_record_id as record_id,
    source_system,
    source_record_id,
    first_name,
    last_name,
    email,
    email_key,
    phone,
    date_of_birth,
    address,
    city,
    postcode,
    country,
    -- no source sends gender today; the column keeps the schema stable for one that does
    cast(null as string) as gender,
    created_at,
    updated_at,
    load_id
from unioned
