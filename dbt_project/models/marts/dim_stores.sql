-- One row per physical store (Square location). Online orders have no store.

with

locations as (

    select * from {{ ref('stg_square__locations') }}

)

select
    location_id as store_id,
    location_name as store_name,
    timezone,
    currency,
    country,
    city,
    address,
    postcode
from locations
