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

{#- Aggregate: `value` of the row with the lowest `order_keys` (a list of columns, compared in order: the first
    event of a group, ties broken by the next key). -#}
{% macro earliest_by(value, order_keys) -%}
    {{ return(adapter.dispatch('earliest_by')(value, order_keys)) }}
{%- endmacro %}

{% macro default__earliest_by(value, order_keys) -%}
    min_by({{ value }}, struct({{ order_keys | join(', ') }}))
{%- endmacro %}

{#- How a fact table that grows each night is materialized: incremental where the engine can delete the rows it
    replaces (DuckDB's delete+insert); a whole table where it cannot (Spark's plain parquet tables have no DELETE or
    MERGE without Delta or Iceberg), which is what a full refresh builds anyway. -#}
{% macro growing_fact_materialization() -%}
    {{ return(adapter.dispatch('growing_fact_materialization')()) }}
{%- endmacro %}

{% macro default__growing_fact_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- A post-hook's edit of a table in place: deletes the rows of `relation` where `condition` holds and, when given,
    adds the rows of `insert_sql` (a select naming its columns as the relation's; one it leaves out is NULL). -#}
{% macro replace_rows(relation, condition, insert_sql=none) -%}
    {{ return(adapter.dispatch('replace_rows')(relation, condition, insert_sql)) }}
{%- endmacro %}

{% macro default__replace_rows(relation, condition, insert_sql) -%}
    delete from {{ relation }} where {{ condition }}
    {%- if insert_sql %};
        insert into {{ relation }} by name
        {{ insert_sql }}
    {%- endif -%}
{%- endmacro %}

{#- Aggregate: the values of a group as a list in `order_by` order (a list of `expression [asc|desc]`, nulls last). -#}
{% macro ordered_list(value, order_by) -%}
    {{ return(adapter.dispatch('ordered_list')(value, order_by)) }}
{%- endmacro %}

{% macro default__ordered_list(value, order_by) -%}
    array_agg({{ value }} order by {{ order_by | join(', ') }})
{%- endmacro %}
