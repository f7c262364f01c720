{#- The value of `column` from the row with the highest `order_key` among rows where it is not NULL
    (`max_by` with a FILTER clause: DuckDB, Spark and Trino have both; another engine may need its own form):
    the building block of customer_360's survivorship rules (one aggregate per trait). -#}
{% macro survivor(column, order_key) -%}
    max_by({{ column }}, {{ order_key }}) filter (where {{ column }} is not null)
{%- endmacro %}

