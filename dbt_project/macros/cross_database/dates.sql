{#- Dates from parts, weekdays and epochs: spelled differently by each engine. DuckDB's forms, where they differ
    from these, are in macros/duckdb/dates.sql. -#}

{#- The date of a year, month and day (integers or expressions). -#}
{% macro date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('date_from_parts')(year, month, day)) }}
{%- endmacro %}

{% macro default__date_from_parts(year, month, day) -%}
    make_date(cast({{ year }} as integer), cast({{ month }} as integer), cast({{ day }} as integer))
{%- endmacro %}

{#- ISO day of week of a timestamp or date: 1 Monday … 7 Sunday. -#}
{% macro iso_day_of_week(column) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(column) -%}
    extract(isodow from {{ column }})
{%- endmacro %}

{#- Seconds since 1970 of a timestamp: a numeric sort key. -#}
{% macro epoch_seconds(column) -%}
    {{ return(adapter.dispatch('epoch_seconds')(column)) }}
{%- endmacro %}

{% macro default__epoch_seconds(column) -%}
    extract(epoch from {{ column }})
{%- endmacro %}
