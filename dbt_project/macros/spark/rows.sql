{#- Spark SQL's forms of macros/cross_database/rows.sql. -#}

{#- Plain parquet tables have no DELETE: the rows kept and the rows added are written to a new table that takes the
    old one's name. Run as statements here (a hook is one statement on Spark); the hook itself is then empty. -#}
{% macro spark__replace_rows(relation, condition, insert_sql) -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- set replaced = relation.incorporate(path={'identifier': relation.identifier ~ '__replaced'}) -%}
        {%- set rows -%}
            select * from {{ relation }} where not coalesce({{ condition }}, false)
            {%- if insert_sql %}
            union all
            {%- set added = get_columns_in_query(insert_sql) | map('lower') | list %}
            select
            {%- for column in columns %}
                cast({{ column.name if column.name | lower in added else 'null' }} as {{ column.data_type }})
                    as {{ column.name }}{{ ',' if not loop.last }}
            {%- endfor %}
            from ({{ insert_sql }}) as added
            {%- endif %}
        {%- endset -%}
        {%- do run_query('drop table if exists ' ~ replaced) -%}
        {%- do run_query('create table ' ~ replaced ~ ' using parquet as ' ~ rows) -%}
        {%- do run_query('drop table ' ~ relation) -%}
        {%- do run_query('alter table ' ~ replaced ~ ' rename to ' ~ relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- Spark has no ordered aggregate into an array: the rows are collected with their keys and sorted by a comparator
    (nulls last, as DuckDB), then the keys are dropped. -#}
{% macro spark__ordered_list(value, order_by) -%}
    {%- set keys = [] -%}
    {%- for item in order_by -%}
        {%- set words = item.strip().split(' ') -%}
        {%- set descending = words[-1] | lower == 'desc' -%}
        {%- set expression = (words[:-1] if words[-1] | lower in ('asc', 'desc') else words) | join(' ') -%}
        {%- do keys.append((expression, descending)) -%}
    {%- endfor -%}
    transform(
        array_sort(
            collect_list(named_struct(
                {%- for expression, descending in keys %}'k{{ loop.index }}', {{ expression }}, {% endfor -%}
                'v', {{ value }}
            )),
            (l, r) -> case
                {%- for expression, descending in keys %}
                {%- set k = 'k' ~ loop.index %}
                when l.{{ k }} is null and r.{{ k }} is not null then 1
                when l.{{ k }} is not null and r.{{ k }} is null then -1
                when l.{{ k }} < r.{{ k }} then {{ 1 if descending else -1 }}
                when l.{{ k }} > r.{{ k }} then {{ -1 if descending else 1 }}
                {%- endfor %}
                else 0
            end
        ),
        entry -> entry.v
    )
{%- endmacro %}
