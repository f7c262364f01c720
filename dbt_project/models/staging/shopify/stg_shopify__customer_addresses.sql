-- Every address in a Shopify customer's address book (the default one is also flattened on the customer).
-- Kept as the source typed it: identity resolution and the golden record use the customer's default address.

with

source as (

    {{ optional_source('shopify', 'customers__addresses', {
        'id': 'varchar', 'address1': 'varchar', 'city': 'varchar', 'zip': 'varchar',
        'country_code_v2': 'varchar', 'phone': 'varchar', '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

customers as (

    select
        _dlt_id,
        id,
        default_address__id
    from {{ source('shopify', 'customers') }}

),

renamed as (

    select

        ----------  ids
        {{ shopify_id('source.id') }} as address_id,
        cast(customers.id as string) as customer_id,

        ----------  strings
        source.address1 as address,
        source.city,
        source.zip as postcode,
        upper(source.country_code_v2) as country,
        source.phone,
        coalesce(source.id = customers.default_address__id, false) as is_default

    from source
    inner join customers on source._dlt_parent_id = customers._dlt_id

)

select * from renamed
