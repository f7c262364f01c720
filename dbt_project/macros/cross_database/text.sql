{#- Every match of `pattern` in `value` replaced (both are SQL expressions, e.g. "'\\s+'"). Most engines replace
    every match by default; DuckDB (and PostgreSQL) replace the first unless given the `g` flag. -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- Select-list items that turn a row into one row per word of `value` (split on single spaces): the word as
    `word` and its place (from 1) as `word_position`. DuckDB unnests lists in the select list; Spark posexplodes. -#}
{% macro words_with_position(value) -%}
    {{ return(adapter.dispatch('words_with_position')(value)) }}
{%- endmacro %}

{% macro default__words_with_position(value) -%}
    posexplode(split({{ value }}, ' ')) as (word_position, word)
{%- endmacro %}

{#- Aggregate: the words of a group joined by single spaces in `position` order. -#}
{% macro join_words(word, position) -%}
    {{ return(adapter.dispatch('join_words')(word, position)) }}
{%- endmacro %}

{% macro default__join_words(word, position) -%}
    listagg({{ word }}, ' ') within group (order by {{ position }})
{%- endmacro %}

{#- The first capture group of `pattern` in `value` (a SQL string literal with one group), NULL when it does not
    match: an ID's digits (`'([0-9]+)$'`), a URL's query parameter. -#}
{% macro regexp_extract_group(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_extract_group')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_extract_group(value, pattern) -%}
    substring({{ value }} from {{ pattern }})
{%- endmacro %}
