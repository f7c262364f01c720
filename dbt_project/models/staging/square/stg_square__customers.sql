-- Square customers: one row per customer, cleaned with identity/'s functions (see macros/cleaning.sql).
-- A table, not a view: it calls Python functions, which neither should run again on every read
-- nor exist in the analysts' read-only copy of the warehouse. It grows night by night: a night cleans only the
-- records loaded since the last (macros/incremental.sql).
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='customer_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ keep_only_landed('customer_id', 'square', 'customers') }}"
    )
}}

with

source as (

    select * from {{ source('square', 'customers') }}
    {% if is_incremental() %}
    where {{ in_loads_not_built('_dlt_load_id') }}
    {% endif %}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as customer_id,

        ----------  person
        {{ clean_name('given_name') }} as first_name,
        {{ clean_name('family_name') }} as last_name,
        {{ normalize_email('email_address') }} as email,
        {{ email_key('email_address') }} as email_key,
        {{ normalize_phone('phone_number', 'address__country') }} as phone,
        {{ normalize_date('birthday') }} as date_of_birth,
        {{ clean_text('address__address_line_1') }} as address,
        {{ clean_text('address__locality') }} as city,
        cdp_normalize_postcode(address__postal_code) as postcode,
        cdp_normalize_country(address__country) as country,

        ----------  consent
        cast(preferences__email_unsubscribed as boolean) as is_email_unsubscribed,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
