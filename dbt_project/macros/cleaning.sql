{#- Thin wrappers over the identity/ cleaning functions (registered by cdp_orchestration/transform/dbt_plugin.py).
    The rules themselves live in identity/normalize.py; these macros only pick the function and the display form. -#}

{#- A name as a person would read it (trimmed, single spaces, case kept), NULL when identity/ calls it a placeholder. -#}
{% macro clean_name(column) -%}
    case when cdp_normalize_name({{ column }}) is not null
         then {{ collapse_whitespace(column) }} end
{%- endmacro %}

{#- Free text (street line, city) trimmed, NULL for placeholders. -#}
{% macro clean_text(column) -%}
    case when not cdp_is_placeholder({{ column }}, 'text')
         then {{ collapse_whitespace(column) }} end
{%- endmacro %}

{#- Trimmed, with every run of whitespace as one space. -#}
{% macro collapse_whitespace(column) -%}
    {{ regexp_replace_all('trim(' ~ column ~ ')', "'\\s+'", "' '") }}
{%- endmacro %}

{#- The validated, lower-cased email to send to (NULL when malformed or a placeholder). -#}
{% macro normalize_email(column) -%}
    cdp_normalize_email({{ column }})
{%- endmacro %}

{#- The canonical mailbox (gmail dots and +tags folded): the key emails are joined on. -#}
{% macro email_key(column) -%}
    cdp_email_key({{ column }})
{%- endmacro %}

{#- E.164, trying the record's own country first. -#}
{% macro normalize_phone(column, country_column) -%}
    cdp_normalize_phone({{ column }}, {{ country_column }})
{%- endmacro %}

{#- ISO date string (YYYY-MM-DD) or NULL for impossible and placeholder dates. -#}
{% macro normalize_date(column) -%}
    cdp_normalize_date(cast({{ column }} as string))
{%- endmacro %}
