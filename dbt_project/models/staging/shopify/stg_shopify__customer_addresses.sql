-- Every address in a Shopify customer's address book (the default one is also flattened on the customer).
-- Kept as the source typed it: identity resolution and the golden record use the customer's default address.

with

source as (

    {{ optional_source('shopify', 'customers__addresses', {
        'id': 'bigint', 'address1': 'varchar', 'city': 'varchar', 'zip': 'varchar',
        'country_code': 'varchar', 'phone': 'varchar', 'default': 'boolean', '_dlt_parent_id': 'varchar',
        '_dlt_id': 'varchar',
    }) }}

),

customers as (

    select
        _dlt_id,
        id
    from {{ source('shopify', 'customers') }}

),

renamed as (

    select

        ----------  ids
        cast(source.id as varchar) as address_id,
        cast(customers.id as varchar) as customer_id,

        ----------  strings
        source.address1 as address,
        source.city,
        source.zip as postcode,
        upper(source.country_code) as country,
        source.phone,
        coalesce(cast(source."default" as boolean), false) as is_default

    from source
    inner join customers on source._dlt_parent_id = customers._dlt_id

)

select * from renamed
