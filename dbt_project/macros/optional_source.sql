{#- A source table dlt may not have created yet (it creates a child table with its first row: no STATUSCHANGE
    email event yet, no ticket with a contact): the table when it exists, else an empty result with `columns`
    ({name: type}) so the models downstream still build. -#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else none -%}
    {%- if existing is not none or not execute -%}
        select * from {{ relation }}
    {%- else -%}
        select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ sql_type(data_type) }}) as {{ adapter.quote(name) if name == 'default' else name }}{{ ',' if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
