{#- Picking one row among several: engines differ (DuckDB has QUALIFY and an aggregate FILTER clause; others
    need a ranked subquery or a CASE). The DuckDB forms are in macros/duckdb/rows.sql. -#}

{#- One row per `partition_by`, the first by `order_by`: `select <columns> from <relation> [where <where>]`.
    `columns` is a list of column names or expressions over `relation` (unqualified), `relation` a CTE, a ref or a
    parenthesised subquery; `where` filters before ranking. -#}
{% macro first_row_per(relation, partition_by, order_by, columns, where=none) -%}
    {{ return(adapter.dispatch('first_row_per')(relation, partition_by, order_by, columns, where)) }}
{%- endmacro %}

{% macro default__first_row_per(relation, partition_by, order_by, columns, where) -%}
select {{ columns if columns is string else columns | join(', ') }}
from (
    select
        *,
        row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as first_row_rank
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
) as ranked
where first_row_rank = 1
{%- endmacro %}

{#- Aggregate: `value` of the row with the highest `order_key` among the rows where `where` holds (by default the
    rows where `value` is not NULL). Survivorship's building block: one per trait of the golden record. -#}
{% macro latest_by(value, order_key, where=none) -%}
    {{ return(adapter.dispatch('latest_by')(value, order_key, where or value ~ ' is not null')) }}
{%- endmacro %}

{#- max_by ignores rows whose key is NULL (Spark, Trino, Snowflake, BigQuery). -#}
{% macro default__latest_by(value, order_key, where) -%}
    max_by({{ value }}, case when {{ where }} then {{ order_key }} end)
{%- endmacro %}
