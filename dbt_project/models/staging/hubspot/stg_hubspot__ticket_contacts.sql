with

source as (

    {{ optional_source('hubspot', 'tickets__associated_contacts_ids', {
        'value': 'varchar', '_dlt_parent_id': 'varchar', '_dlt_id': 'varchar',
    }) }}

),

tickets as (

    select
        _dlt_id,
        id
    from {{ source('hubspot', 'tickets') }}

),

renamed as (

    select distinct
        cast(tickets.id as string) as ticket_id,
        cast(source.value as string) as contact_id
    from source
    inner join tickets on source._dlt_parent_id = tickets._dlt_id

)

select * from renamed
