{#- A birthday's date in a given year; 29 February falls on 28 February in common years. -#}
{% macro birthday_in_year(year_expr, month_expr, day_expr) -%}
    {%- set is_leap_year -%}
        (({{ year_expr }}) % 4 = 0 and (({{ year_expr }}) % 100 <> 0 or ({{ year_expr }}) % 400 = 0))
    {%- endset -%}
    {%- set day_in_year -%}
        case when {{ month_expr }} = 2 and {{ day_expr }} = 29 and not {{ is_leap_year }} then 28 else {{ day_expr }} end
    {%- endset -%}
    {{ date_from_parts(year_expr, month_expr, day_in_year) }}
{%- endmacro %}
