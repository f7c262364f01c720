{#- Spark SQL's names of macros/cross_database/types.sql: no unsized varchar, and its `timestamp` is an instant
    (TIMESTAMP_LTZ, read in the session's UTC) like DuckDB's timestamptz. -#}
{% macro spark__sql_type(name) -%}
    {%- set spark_names = {
        'varchar': 'string', 'text': 'string', 'timestamptz': 'timestamp', 'timestamp with time zone': 'timestamp',
        'double precision': 'double',
    } -%}
    {{ spark_names.get(name | lower | trim, name) }}
{%- endmacro %}
