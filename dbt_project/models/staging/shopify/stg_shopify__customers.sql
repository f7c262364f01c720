-- Shopify customers: one row per customer, cleaned with identity/'s functions (see macros/cleaning.sql).
-- A table, not a view: it calls Python functions, which neither should run again on every read
-- nor exist in the analysts' read-only copy of the warehouse. It grows night by night: a night cleans only the
-- records loaded since the last (macros/incremental.sql).
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='customer_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ keep_only_landed('customer_id', 'shopify', 'customers') }}"
    )
}}

with

source as (

    select * from {{ source('shopify', 'customers') }}
    {% if is_incremental() %}
    where {{ in_loads_not_built('_dlt_load_id') }}
    {% endif %}

),

renamed as (

    select

        ----------  ids (the numeric ID of the customer's global ID, as the loader keeps it)
        cast(id as string) as customer_id,

        ----------  person
        {{ clean_name('first_name') }} as first_name,
        {{ clean_name('last_name') }} as last_name,
        {{ normalize_email('email') }} as email,
        {{ email_key('email') }} as email_key,
        {{ normalize_phone('coalesce(phone, default_address__phone)', 'default_address__country_code_v2') }} as phone,
        {{ clean_text('default_address__address1') }} as address,
        {{ clean_text('default_address__city') }} as city,
        cdp_normalize_postcode(default_address__zip) as postcode,
        cdp_normalize_country(default_address__country_code_v2) as country,

        ----------  account
        lower(state) as account_state,
        cast(verified_email as boolean) as is_email_verified,
        tags,

        ----------  consent (emailMarketingConsent: null when the customer has no email address)
        lower(email_marketing_consent__marketing_state) as email_marketing_state,
        {{ to_utc('email_marketing_consent__consent_updated_at') }} as email_consent_updated_at,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,

        ----------  lineage
        _dlt_load_id as load_id,
        _dlt_id as dlt_id

    from source

)

select * from renamed
