{#- Spark SQL's forms of macros/cross_database/time.sql. Its `timestamp` is an instant shown in the session's time
    zone (UTC, warehouse/spark.py): a local wall-clock time is that instant shifted by the zone's offset. -#}

{% macro spark__to_local_time(timestamp_column, timezone_column) -%}
    from_utc_timestamp({{ timestamp_column }}, {{ timezone_column }})
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(column) -%}
    timestamp_millis(cast({{ column }} as bigint))
{%- endmacro %}

{% macro spark__load_id_to_timestamp(column) -%}
    timestamp_seconds(cast({{ column }} as double))
{%- endmacro %}
