{#- DuckDB's forms of macros/cross_database/rows.sql. -#}

{% macro duckdb__first_row_per(relation, partition_by, order_by, columns, where) -%}
select {{ columns if columns is string else columns | join(', ') }}
from {{ relation }}
{%- if where %}
where {{ where }}
{%- endif %}
qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro duckdb__latest_by(value, order_key, where) -%}
    max_by({{ value }}, {{ order_key }}) filter (where {{ where }})
{%- endmacro %}

{% macro duckdb__earliest_by(value, order_keys) -%}
    arg_min({{ value }}, ({{ order_keys | join(', ') }}))
{%- endmacro %}

{% macro duckdb__growing_fact_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}
