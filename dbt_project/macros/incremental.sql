{#- Models that grow night by night (materialized=growing_fact_materialization(): incremental on DuckDB) read only the
    rows of the loads they have not built yet: those at least as new as the newest they hold. The newest again,
    because a load a stopped night left half landed is finished by the next night under the same load id. -#}
{% macro loaded_since_last_build(load_id) -%}
    cast({{ load_id }} as double) >= (select coalesce(max(cast(load_id as double)), 0) from {{ this }})
{%- endmacro %}

{#- The post-hook of a staging model that grows night by night: deletes its rows whose record the raw table no longer
    holds (retention's window, a forget, a reload after an upgrade), so that it holds what a rebuild from the raw table
    would. `key` is the model's key, the raw `landed_key` cast to a string. -#}
{% macro keep_only_landed(key, source_name, table_name, landed_key='id') -%}
    {%- if is_incremental() -%}
        {%- set landed = optional_source(source_name, table_name, {landed_key: 'varchar'}) -%}
        {{ replace_rows(this, key ~ ' not in (select cast(' ~ landed_key ~ ' as string) from (' ~ landed ~ ') as landed)') }}
    {%- endif -%}
{%- endmacro %}
