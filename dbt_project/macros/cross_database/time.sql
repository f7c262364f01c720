{#- Time zones and timestamps from the sources' encodings. DuckDB's forms are in macros/duckdb/time.sql. -#}

{#- A UTC instant as the wall-clock timestamp of an IANA time zone. -#}
{% macro to_local_time(timestamp_column, timezone_column) -%}
    {{ return(adapter.dispatch('to_local_time')(timestamp_column, timezone_column)) }}
{%- endmacro %}

{% macro default__to_local_time(timestamp_column, timezone_column) -%}
    ({{ timestamp_column }} at time zone {{ timezone_column }})
{%- endmacro %}

{#- Epoch milliseconds (HubSpot's email events) to a UTC timestamp. -#}
{% macro epoch_ms_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp')(column)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(column) -%}
    to_timestamp(cast({{ column }} as bigint) / 1000.0)
{%- endmacro %}

{#- A timestamp or ISO 8601 string (with offset or `Z`) as a UTC timestamp; NULL when unparsable. -#}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    {{ dbt.safe_cast(column, dbt.type_timestamp()) }}
{%- endmacro %}

{#- dlt's load id (epoch seconds as text) as the UTC time of the load. -#}
{% macro load_id_to_timestamp(column) -%}
    {{ return(adapter.dispatch('load_id_to_timestamp')(column)) }}
{%- endmacro %}

{% macro default__load_id_to_timestamp(column) -%}
    to_timestamp(cast({{ column }} as double precision))
{%- endmacro %}
