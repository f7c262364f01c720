{#- The numeric ID in a Shopify global ID ("gid://shopify/Customer/7210000000000" → "7210000000000"): the ID Shopify's
    admin shows and a person record keeps. -#}
{% macro shopify_id(column) -%}
    {{ regexp_replace_all(column, "'^gid://shopify/[A-Za-z]+/'", "''") }}
{%- endmacro %}
