{#- DuckDB-specific time functions, isolated here (CONTRACT §8): another engine replaces these three. -#}

{#- A UTC instant as the wall-clock timestamp of an IANA time zone. -#}
{% macro to_local_time(timestamp_column, timezone_column) -%}
    timezone({{ timezone_column }}, {{ timestamp_column }})
{%- endmacro %}

{#- Epoch milliseconds (HubSpot's email events) to a UTC timestamptz. -#}
{% macro epoch_ms_to_timestamp(column) -%}
    make_timestamptz(cast({{ column }} as bigint) * 1000)
{%- endmacro %}

{#- A timestamp or ISO 8601 string (with offset or `Z`) as a timestamptz; NULL when unparsable. -#}
{% macro to_utc(column) -%}
    try_cast({{ column }} as timestamptz)
{%- endmacro %}

{#- dlt's load id (epoch seconds as text) as the UTC time of the load. -#}
{% macro load_id_to_timestamp(column) -%}
    to_timestamp(cast({{ column }} as double))
{%- endmacro %}
