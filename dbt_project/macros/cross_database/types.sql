{#- A column type by its DuckDB name (`varchar`, `timestamptz`, `timestamp with time zone`, `double`, …) as the
    engine spells it: a cast or an empty column's type written once for both (optional_source's `columns`). -#}
{% macro sql_type(name) -%}
    {{ return(adapter.dispatch('sql_type')(name)) }}
{%- endmacro %}

{% macro default__sql_type(name) -%}
    {{ name }}
{%- endmacro %}
