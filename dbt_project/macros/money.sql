{#- Integer minor units (Square's `amount`) to major units of the currency, by its ISO 4217 exponent
    from seeds/currencies.csv. `exponent_column` comes from a join on that seed. -#}
{% macro minor_to_major(amount_column, exponent_column) -%}
    (cast({{ amount_column }} as decimal(38, 4)) / cast(power(10, coalesce({{ exponent_column }}, 2)) as decimal(38, 4)))
{%- endmacro %}

{#- A decimal string in major units (Shopify's "19.99") to a number; NULL when it is not one. -#}
{% macro parse_money(column) -%}
    {{ dbt.safe_cast(column, 'decimal(38, 4)') }}
{%- endmacro %}
