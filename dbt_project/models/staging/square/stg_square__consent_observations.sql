-- Square's email preference as each load saw it: one row per customer per load that brought them, at the source's
-- clock. Square keeps no time for a preference; this history (kept by the loader, dlt_sources/square) tells when it
-- changed. dlt creates the table with its first row.

with

source as (

    {{ optional_source('square', 'consent_observations', {
        'customer_id': 'varchar', 'email_unsubscribed': 'boolean', 'observed_at': 'timestamp with time zone',
        '_dlt_load_id': 'varchar',
    }) }}

),

renamed as (

    select

        ----------  ids
        cast(customer_id as string) as customer_id,

        ----------  consent
        cast(email_unsubscribed as boolean) as is_email_unsubscribed,

        ----------  timestamps
        {{ to_utc('observed_at') }} as observed_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
