{#- DuckDB's forms of macros/cross_database/dates.sql where they differ (make_date and isodow are its spelling too). -#}

{% macro duckdb__epoch_seconds(column) -%}
    epoch({{ column }})
{%- endmacro %}
