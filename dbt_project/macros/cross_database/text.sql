{#- Every match of `pattern` in `value` replaced (both are SQL expressions, e.g. "'\\s+'"). Most engines replace
    every match by default; DuckDB (and PostgreSQL) replace the first unless given the `g` flag. -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- The first capture group of `pattern` in `value` (a SQL string literal with one group), NULL when it does not
    match: an ID's digits (`'([0-9]+)$'`), a URL's query parameter. -#}
{% macro regexp_extract_group(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_extract_group')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_extract_group(value, pattern) -%}
    substring({{ value }} from {{ pattern }})
{%- endmacro %}
