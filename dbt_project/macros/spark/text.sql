{#- Spark SQL's forms of macros/cross_database/text.sql. Spark reads a backslash in a string literal as an escape
    (with `''` for a quote, as dbt-spark's seeds need), so the backslashes of a literal regex pattern are doubled. -#}

{% macro spark__regex_literal(pattern) -%}
    {{ pattern | replace('\\', '\\\\') if pattern.startswith("'") else pattern }}
{%- endmacro %}

{% macro spark__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ spark__regex_literal(pattern) }}, {{ replacement }})
{%- endmacro %}

{#- word_position counts from 1 (posexplode would count from 0). -#}
{% macro spark__words_with_position(value) -%}
    inline(transform(split({{ value }}, ' '), (w, i) -> named_struct('word', w, 'word_position', i + 1)))
{%- endmacro %}

{% macro spark__regexp_extract_group(value, pattern) -%}
    nullif(regexp_extract({{ value }}, {{ spark__regex_literal(pattern) }}, 1), '')
{%- endmacro %}
