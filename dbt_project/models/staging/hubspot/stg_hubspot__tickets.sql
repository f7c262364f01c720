with

source as (

    select * from {{ source('hubspot', 'tickets') }}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as ticket_id,
        _dlt_id as dlt_id,

        ----------  strings
        subject,
        hs_pipeline_stage as pipeline_stage,
        hs_ticket_priority as priority,

        ----------  timestamps
        coalesce({{ to_utc('created_at') }}, {{ to_utc('createdate') }}) as created_at,
        coalesce({{ to_utc('updated_at') }}, {{ to_utc('hs_lastmodifieddate') }}) as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
