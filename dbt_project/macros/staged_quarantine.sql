{#- The loader's quarantine table of one raw schema in the shape of quarantine.quarantined_records.
    dlt creates the table with its first row, so a clean source has none yet: then an empty, typed result. -#}
{% macro staged_quarantine(source_name) -%}
{%- set relation = source(source_name, 'quarantine') -%}
{%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else none -%}
with

source as (

    {% if existing is not none -%}
    select * from {{ relation }}
    {%- else -%}
    select
        cast(null as string) as entity,
        cast(null as string) as source_record_id,
        cast(null as string) as disposition,
        cast(null as string) as reason,
        cast(null as string) as payload,
        cast(null as string) as _dlt_load_id,
        cast(null as string) as _dlt_id
    where false
    {%- endif %}

),

renamed as (

    select
        '{{ source_name }}' as source_system,
        entity,
        cast(source_record_id as string) as source_record_id,
        disposition,
        reason,
        payload,
        _dlt_load_id as load_id,
        _dlt_id as quarantine_row_id
    from source

)

select * from renamed
{%- endmacro %}
