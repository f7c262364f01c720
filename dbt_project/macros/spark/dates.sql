{#- Spark SQL's forms of macros/cross_database/dates.sql (make_date is its spelling too). -#}

{% macro spark__iso_day_of_week(column) -%}
    cast(extract(dayofweek_iso from {{ column }}) as bigint)
{%- endmacro %}

{#- Seconds with their fraction, a double as DuckDB's epoch(). -#}
{% macro spark__epoch_seconds(column) -%}
    cast(unix_micros(cast({{ column }} as timestamp)) as double) / 1000000
{%- endmacro %}
