{#- DuckDB-specific date construction, isolated here (CONTRACT §8). -#}

{#- A birthday's date in a given year; 29 February falls on 28 February in common years. -#}
{% macro birthday_in_year(year_expr, month_expr, day_expr) -%}
    make_date(
        cast({{ year_expr }} as integer),
        cast({{ month_expr }} as integer),
        cast(case
            when {{ month_expr }} = 2 and {{ day_expr }} = 29
                and not (({{ year_expr }}) % 4 = 0 and (({{ year_expr }}) % 100 <> 0 or ({{ year_expr }}) % 400 = 0))
            then 28 else {{ day_expr }} end as integer)
    )
{%- endmacro %}

{#- Seconds since 1970 of a timestamp: a numeric sort key. -#}
{% macro epoch_seconds(column) -%}
    epoch({{ column }})
{%- endmacro %}
