-- Every record a loader rejected or loaded with issues, across sources, with the reason and the raw payload:
-- what analysts read to see what was kept out of (or flagged in) the warehouse.

with

shopify as (

    select * from {{ ref('stg_shopify__quarantine') }}

),

square as (

    select * from {{ ref('stg_square__quarantine') }}

),

hubspot as (

    select * from {{ ref('stg_hubspot__quarantine') }}

),

web as (

    select * from {{ ref('stg_web__quarantine') }}

),

unioned as (

    select * from shopify
    union all
    select * from square
    union all
    select * from hubspot
    union all
    select * from web

)

select
    source_system || ':' || quarantine_row_id as quarantine_id,
    source_system,
    entity,
    source_record_id,
    case when source_record_id is not null then source_system || ':' || source_record_id end as record_id,
    disposition,
    reason,
    payload,
    load_id,
    {{ load_id_to_timestamp('load_id') }} as loaded_at
from unioned
