{#- Every match of `pattern` in `value` replaced (both are SQL expressions, e.g. "'\\s+'"). Most engines replace
    every match by default; DuckDB (and PostgreSQL) replace the first unless given the `g` flag. -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}
