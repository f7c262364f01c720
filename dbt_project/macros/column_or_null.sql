{#- A column of a source relation when the loader created it, else a typed NULL: dlt adds a column only once
    some record carries the field (a shop with no completed checkout has no `completed_at`). -#}
{% macro column_or_null(relation, column_name, data_type='varchar') -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if column_name | lower in columns -%}
            {{ column_name }}
        {%- else -%}
            cast(null as {{ sql_type(data_type) }})
        {%- endif -%}
    {%- else -%}
        {{ column_name }}
    {%- endif -%}
{%- endmacro %}
