-- HubSpot contacts: one row per contact, cleaned with identity/'s functions (see macros/cleaning.sql).
-- A table, not a view: it calls Python functions, which neither should run again on every read
-- nor exist in the analysts' read-only copy of the warehouse. It grows night by night: a night cleans only the
-- records loaded since the last (macros/incremental.sql).
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='contact_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ keep_only_landed('contact_id', 'hubspot', 'contacts') }}"
    )
}}

with

source as (

    select * from {{ source('hubspot', 'contacts') }}
    {% if is_incremental() %}
    where {{ in_loads_not_built('_dlt_load_id') }}
    {% endif %}

),

renamed as (

    select

        ----------  ids
        cast(id as string) as contact_id,

        ----------  person
        {{ clean_name('firstname') }} as first_name,
        {{ clean_name('lastname') }} as last_name,
        {{ normalize_email('email') }} as email,
        {{ email_key('email') }} as email_key,
        coalesce(
            {{ normalize_phone('mobilephone', 'country') }},
            {{ normalize_phone('phone', 'country') }}
        ) as phone,
        {{ normalize_date('date_of_birth') }} as date_of_birth,
        {{ clean_text('address') }} as address,
        {{ clean_text('city') }} as city,
        cdp_normalize_postcode(zip) as postcode,
        cdp_normalize_country(country) as country,

        ----------  crm
        lower(lifecyclestage) as lifecycle_stage,
        coalesce(cast(archived as boolean), false) as is_archived,

        ----------  consent (HubSpot properties are strings: 'true' / 'false')
        cast(hs_email_optout as boolean) as is_email_opted_out,
        -- when it took that value, from the property's history (absent in contacts loaded before it was read)
        {{ to_utc(column_or_null(source('hubspot', 'contacts'), 'hs_email_optout_set_at')) }} as email_optout_set_at,
        -- the portal's advertising-consent property, whatever its name (the loader lands it as ads_consent);
        -- a portal where nobody has it set has no such column; any other value is no answer
        case lower({{ column_or_null(source('hubspot', 'contacts'), 'ads_consent') }})
            when 'true' then true
            when 'false' then false
        end as is_ads_consent_granted,
        -- when it took that value, from the property's history (absent in contacts loaded before it was read)
        {{ to_utc(column_or_null(source('hubspot', 'contacts'), 'ads_consent_set_at')) }} as ads_consent_set_at,

        ----------  timestamps
        coalesce({{ to_utc('created_at') }}, {{ to_utc('createdate') }}) as created_at,
        coalesce({{ to_utc('updated_at') }}, {{ to_utc('lastmodifieddate') }}) as updated_at,

        ----------  lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
