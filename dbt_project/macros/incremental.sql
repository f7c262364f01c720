{#- Models that grow night by night (materialized=growing_fact_materialization(): incremental on DuckDB) read only the
    rows of loads they hold none of. By the loads' IDs, not by "newer than the newest held": after a first night,
    whose one load per source holds everything, reading the newest load again would rebuild the whole table, and a
    clock set back would hide a load for good. A night builds its models only after every load of it has landed
    whole (a failed load stops the night before dbt), so a load is never built half. -#}
{% macro in_loads_not_built(load_id) -%}
    {{ load_id }} not in (select distinct load_id from {{ this }})
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
