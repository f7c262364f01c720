with

source as (

    select * from {{ source('square', 'locations') }}

),

renamed as (

    select

        ----------  ids
        id as location_id,

        ----------  strings
        name as location_name,
        timezone,
        upper(currency) as currency,
        upper(country) as country,
        address__address_line_1 as address,
        address__locality as city,
        address__postal_code as postcode

    from source

)

select * from renamed
