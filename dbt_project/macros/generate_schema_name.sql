{#- Custom schemas are used as they are named (staging, intermediate, marts, quarantine), not prefixed
    with the target schema: CONTRACT §4 fixes the warehouse's schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
