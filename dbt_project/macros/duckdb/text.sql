{#- DuckDB's forms of macros/cross_database/text.sql. -#}

{% macro duckdb__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro duckdb__words_with_position(value) -%}
    unnest(string_split({{ value }}, ' ')) as word,
    generate_subscripts(string_split({{ value }}, ' '), 1) as word_position
{%- endmacro %}

{% macro duckdb__join_words(word, position) -%}
    string_agg({{ word }}, ' ' order by {{ position }})
{%- endmacro %}

{% macro duckdb__regexp_extract_group(value, pattern) -%}
    nullif(regexp_extract({{ value }}, {{ pattern }}, 1), '')
{%- endmacro %}
