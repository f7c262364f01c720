-- Web Pixels events, one row each: who (client ID; a Shopify customer when logged in or buying; a checkout's email),
-- what (event, product, search, cart, checkout), where from (page, referrer, utm parameters). Shopify customer and
-- order IDs are kept as their digits, so a numeric ID and a GraphQL global ID (gid://shopify/Customer/123) agree.
-- A table because it calls identity/'s email cleaning; it grows night by night, a night reading only the events
-- loaded since the last (macros/incremental.sql).
{{
    config(
        materialized=growing_fact_materialization(),
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ keep_only_landed('event_id', 'web', 'pixel_events') }}"
    )
}}

{%- set source_relation = source('web', 'pixel_events') %}
{%- set column = {} %}
{#- the loop's body is not indented: sqlfluff (LT02) would take its indent for the SQL's #}
{%- for name in [
    'customer__id', 'context__document__referrer', 'context__document__location__search',
    'context__navigator__language', 'data__product_variant__product__id', 'data__product_variant__product__title',
    'data__product_variant__product__type', 'data__product_variant__price__amount',
    'data__product_variant__price__currency_code', 'data__cart_line__merchandise__product__id',
    'data__cart_line__merchandise__product__title', 'data__cart_line__merchandise__product__type',
    'data__cart_line__quantity', 'data__cart_line__cost__total_amount__amount', 'data__search_result__query',
    'data__collection__id', 'data__checkout__token', 'data__checkout__email', 'data__checkout__order__id',
    'data__checkout__order__customer__id', 'data__checkout__total_price__amount', 'data__checkout__currency_code',
] %}
{%- do column.update({name: column_or_null(source_relation, name)}) %}
{%- endfor %}

with

source as (

    select * from ({{ optional_source('web', 'pixel_events', {
        'id': 'varchar', 'name': 'varchar', 'client_id': 'varchar', 'timestamp': 'timestamptz', 'seq': 'bigint',
        'context__document__location__pathname': 'varchar', 'context__document__location__href': 'varchar',
        '_dlt_load_id': 'varchar', '_dlt_id': 'varchar',
    }) }}) as landed
    {% if is_incremental() %}
    where {{ in_loads_not_built('_dlt_load_id') }}
    {% endif %}

),

delivery as (

    select
        _dlt_parent_id,
        min(lower(type)) as delivery_type,
        min(title) as delivery_title
    from ({{ optional_source('web', 'pixel_events__data__checkout__delivery__selected_delivery_options', {
        'type': 'varchar', 'title': 'varchar', '_dlt_parent_id': 'varchar',
    }) }}) as delivery_options
    group by _dlt_parent_id

),

renamed as (

    select

        ----------  ids
        cast(source.id as string) as event_id,
        cast(source.client_id as string) as client_id,
        {{ regexp_extract_group(column['customer__id'], "'([0-9]+)$'") }} as logged_in_customer_ref,
        {{ regexp_extract_group(column['data__checkout__order__customer__id'], "'([0-9]+)$'") }}
            as checkout_customer_ref,
        {{ regexp_extract_group(column['data__checkout__order__id'], "'([0-9]+)$'") }} as order_ref,
        {{ column['data__checkout__token'] }} as checkout_token,
        {{ regexp_extract_group(
            'coalesce(' ~ column['data__product_variant__product__id'] ~ ', '
            ~ column['data__cart_line__merchandise__product__id'] ~ ')', "'([0-9]+)$'") }} as product_ref,

        ----------  strings
        lower(source.name) as event_name,
        source.context__document__location__pathname as page_path,
        source.context__document__location__href as page_url,
        nullif({{ column['context__document__referrer'] }}, '') as referrer,
        lower({{ regexp_extract_group(column['context__document__location__search'], "'[?&]utm_source=([^&#]*)'") }})
            as utm_source,
        lower({{ regexp_extract_group(column['context__document__location__search'], "'[?&]utm_medium=([^&#]*)'") }})
            as utm_medium,
        {{ column['context__navigator__language'] }} as browser_language,
        upper({{ regexp_extract_group(column['context__navigator__language'], "'-([A-Za-z]{2})$'") }})
            as browser_country,
        trim(coalesce(
            {{ column['data__product_variant__product__title'] }},
            {{ column['data__cart_line__merchandise__product__title'] }}
        )) as product_name,
        lower(coalesce(
            {{ column['data__product_variant__product__type'] }},
            {{ column['data__cart_line__merchandise__product__type'] }}
        )) as product_type,
        lower(trim({{ column['data__search_result__query'] }})) as search_query,
        lower({{ column['data__collection__id'] }}) as collection,
        {{ normalize_email(column['data__checkout__email']) }} as checkout_email,
        {{ email_key(column['data__checkout__email']) }} as checkout_email_key,
        delivery.delivery_type,
        delivery.delivery_title,
        upper(coalesce(
            {{ column['data__checkout__currency_code'] }}, {{ column['data__product_variant__price__currency_code'] }}
        )) as currency,

        ----------  numerics
        cast(source.seq as integer) as event_seq,
        cast({{ column['data__cart_line__quantity'] }} as integer) as quantity,
        cast({{ column['data__product_variant__price__amount'] }} as double) as product_price,
        cast({{ column['data__cart_line__cost__total_amount__amount'] }} as double) as cart_line_amount,
        cast({{ column['data__checkout__total_price__amount'] }} as double) as checkout_total,

        ----------  timestamps
        {{ to_utc('source.timestamp') }} as occurred_at,

        ----------  lineage
        source._dlt_id as dlt_id,
        source._dlt_load_id as load_id

    from source
    left join delivery on source._dlt_id = delivery._dlt_parent_id

)

select
    *,
    -- the Shopify customer the event names: the order's buyer on a completed checkout, else who is logged in
    coalesce(checkout_customer_ref, logged_in_customer_ref) as customer_ref
from renamed
