{#- DuckDB's forms of macros/cross_database/time.sql. -#}

{% macro duckdb__to_local_time(timestamp_column, timezone_column) -%}
    timezone({{ timezone_column }}, {{ timestamp_column }})
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(column) -%}
    make_timestamptz(cast({{ column }} as bigint) * 1000)
{%- endmacro %}

{% macro duckdb__to_utc(column) -%}
    try_cast({{ column }} as timestamptz)
{%- endmacro %}

{% macro duckdb__load_id_to_timestamp(column) -%}
    to_timestamp(cast({{ column }} as double))
{%- endmacro %}
