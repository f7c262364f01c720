"""The identity SQL is written once, in DuckDB's dialect; ``to_spark`` translates it for Spark SQL.

sqlglot does most of it exactly (``list_sort`` → ``array_sort``, lambdas, ``string_split`` → ``split`` with the
separator quoted as a literal, ``::`` casts, ``regexp_replace(…, 'g')`` → Spark's replace-all). What it does not do
exactly, for the SQL of this package, is rewritten on its syntax tree here:

- ``x[i]``: sqlglot shifts DuckDB's 1-based index to Spark's 0-based one, but ``x[-1]`` (the last element in DuckDB)
  becomes ``x[-2]``, which Spark does not read from the end; ``try_element_at(x, i)`` is 1-based, reads negative
  indices from the end and gives NULL out of range as DuckDB does (``element_at`` raises under ANSI mode).
- ``len(list)``: sqlglot cannot tell a list from a string and writes ``length``, which Spark refuses on an array. In
  this package ``len()`` is for lists and ``length()`` for strings; ``len`` becomes ``size``.
- ``list_has_all(a, b)`` (every element of ``b`` in ``a``): ``forall(b, e -> array_contains(a, e))``, true for an
  empty ``b`` and NULL for a NULL one, as in DuckDB. ``list_intersect`` → ``array_intersect`` (the lists compared
  are de-duplicated, so DuckDB's and Spark's handling of repeats does not matter).
- ``jaro_winkler_similarity`` → ``jaro_winkler``, the function of Splink's Spark jar (``damerau_levenshtein`` keeps
  its name there; the jar's returns a double, compared with an integer here only).
- ``list(distinct x)`` → ``collect_set(x)``.

Not translated, so not used in this package's SQL: DuckDB's ``hash()`` (Spark's is another function: an order by it
is a different pseudo-random order), ``QUALIFY`` (sqlglot moves an ``order by … limit`` inside the filter; write a
subquery), ``update`` and ``copy`` (the engines differ; see ``frequencies.save``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp

_LEN = re.compile(r"\blen\s*\(", re.IGNORECASE)


def _rewrite(node: exp.Expression) -> exp.Expression:
    # A node replaced here is not descended into again: its children are rewritten first.
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        # sqlglot has already subtracted DuckDB's offset of 1 from the literal: add it back for a 1-based function.
        if isinstance(index, exp.Neg) and isinstance(index.this, exp.Literal):
            value = -int(index.this.this)
        elif isinstance(index, exp.Literal) and not index.is_string:
            value = int(index.this)
        else:
            raise ValueError(f"only literal list indices translate: {node.sql('duckdb')}")
        return exp.Anonymous(this="try_element_at", expressions=[_sub(node.this), exp.Literal.number(value + 1)])
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = [_sub(x) for x in node.expressions]
        if name == "list_has_all" and len(args) == 2:
            a, b = (x.sql("spark") for x in args)
            return sqlglot.parse_one(f"forall({b}, __e -> array_contains({a}, __e))", read="spark")
        if name == "list_intersect" and len(args) == 2:
            return exp.Anonymous(this="array_intersect", expressions=args)
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(this="jaro_winkler", expressions=[_sub(node.this), _sub(node.expression)])
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Distinct) and len(node.this.expressions) == 1:
        return exp.Anonymous(this="collect_set", expressions=[_sub(node.this.expressions[0])])
    return node


def _sub(node: exp.Expression) -> exp.Expression:
    return node.transform(_rewrite)


@lru_cache(maxsize=1024)
def to_spark(sql: str) -> str:
    """Spark SQL for one statement or expression of DuckDB SQL as this package writes it."""
    tree = sqlglot.parse_one(_LEN.sub("array_length(", sql), read="duckdb")
    return tree.transform(_rewrite).sql("spark")


def condition_to_spark(sql: str) -> str:
    """A boolean condition (a comparison level, a blocking rule) in Spark SQL."""
    return to_spark(sql)
