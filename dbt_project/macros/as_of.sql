{#- The run's as-of time (CONTRACT §4), as a scalar SQL expression of type timestamptz.
    Recency, lifecycle and birthdays are computed as of it, never from now()/current_date:
    the var `as_of` when given, else the sources' own clock of the latest load (int_run_as_of). -#}
{% macro as_of() -%}
    (select as_of_at from {{ ref('int_run_as_of') }})
{%- endmacro %}

{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_run_as_of') }})
{%- endmacro %}
