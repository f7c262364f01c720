{#- The value of `column` from the row with the highest `order_key` among rows where it is not NULL:
    the building block of customer_360's survivorship rules (one aggregate per trait). -#}
{% macro survivor(column, order_key) -%}
    max_by({{ column }}, {{ order_key }}) filter (where {{ column }} is not null)
{%- endmacro %}

{#- The most frequent non-NULL value of `column`, ties broken by the highest `order_key`. Used as an
    aggregate over a pre-counted CTE: pass the count column as part of the key. -#}
{% macro mode_by(column, count_column, order_key) -%}
    max_by({{ column }}, {{ count_column }} * 1e12 + {{ order_key }}) filter (where {{ column }} is not null)
{%- endmacro %}
