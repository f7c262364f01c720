"""Term frequencies: how often a value is held by *other* people than the pair that agrees on it.

Splink weighs an exact agreement on value v by ``m / tf(v)``: the rarer the value, the stronger the evidence.
Its own ``tf(v)`` is the share of records holding v, which counts the agreeing pair itself: a full name held
only by one person's two records looks as common as the average name, so on data where most names are rare
(most real customer files) agreement on a rare name is worth little more than agreement on ``John Smith``.

Here ``tf(v)`` is estimated as the share of *other* records holding v (the pair left out), and never below what
the value's parts imply: a full name at least as common as the product of its tokens' frequencies (given and
family names combine freely across people, so ``dipa halimah`` is about as rare as ``dipa`` times ``halimah``),
a birth date at least as common as its year times its day of the year, any other value at least one record
in the column. Common values keep their plain frequency, so ``nguyen van anh`` still counts for little.

The counts behind the tables are kept with a saved model (``save``/``load``), so a later run scores every pair
with the frequencies the model was trained with: an old pair's score does not move because new records came. They
hold no value in clear, and no value rare enough to make a difference to nobody but its holder.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# How each kind of count becomes a frequency: (holders left out, records' worth it never goes below). The
# compared pair holds the value itself (both records: 2; ``first_c`` weighs "given name agrees, family name
# differs", where the two given names need not be equal: 1); a full value's frequency may fall to nothing and
# is then bounded by its parts; a part (a name token, a birth year) is worth at least one record.
KINDS: dict[str, tuple[int, int]] = {
    **{c: (2, 0) for c in ("name_key", "dob", "email", "phone", "address", "postcode", "city")},
    "first_c": (1, 0),
    "name_token": (2, 1),
    "name_pair": (2, 0),
    "dob_year": (1, 1),
    "dob_day": (1, 1),
}
COUNTS_TABLE = "_tf_counts"


def _name_parts(names: str) -> str:
    """SQL: (kind, value, n) counts of name tokens and of token pairs, from a table of (value = name key, n)."""
    return f"""
        with toks as (
            select value as name_key, n, unnest(string_split(value, ' ')) as t from {names}
        ),
        indexed as (select *, row_number() over (partition by name_key order by t) as i from toks)
        select 'name_token' as kind, t as value, sum(n)::bigint as n from toks group by t
        union all
        select 'name_pair', a.t || ' ' || b.t, sum(a.n)::bigint
        from indexed a join indexed b on a.name_key = b.name_key and a.i < b.i group by all
    """


def count_values(con: duckdb.DuckDBPyConnection, columns: list[str], table: str = "features") -> None:
    """Table ``_tf_counts`` (kind, value, n): records per value of each column in ``table`` and per part (name
    token, pair of name tokens, birth year, birth day of the year); the row with a null value holds the kind's
    number of filled records.

    Values are kept as their MD5 digest, and only those held by more records than the frequency ignores: the
    counts are saved with a model, and the rare values (most of what identifies a person) make no difference
    to them, so they are not kept at all.
    """
    selects = [
        f"select '{c}' as kind, {c}::varchar as value, count(*) as n from {table} where {c} is not null group by all"
        for c in columns
    ]
    if "dob" in columns:
        selects.extend(
            f"select '{k}', {sql}, count(*) from {table} where dob is not null group by all"
            for k, sql in (("dob_year", "substr(dob, 1, 4)"), ("dob_day", "substr(dob, 6, 5)"))
        )
    con.execute(f"create or replace temp table _tf_raw as {' union all '.join(selects)}")
    if "name_key" in columns:
        names = "(select * from _tf_raw where kind = 'name_key')"
        con.execute(f"insert into _tf_raw {_name_parts(names)}")
    totals = [f"select '{c}', null, count({c}) from {table}" for c in columns]
    if "name_key" in columns:
        totals.extend(f"select '{k}', null, count(name_key) from {table}" for k in ("name_token", "name_pair"))
    if "dob" in columns:
        totals.extend(f"select '{k}', null, count(dob) from {table}" for k in ("dob_year", "dob_day"))
    ignored = " ".join(f"when '{k}' then {left_out + floor}" for k, (left_out, floor) in KINDS.items())
    con.execute(
        f"""
        create or replace temp table {COUNTS_TABLE} as
        select kind, md5(value) as value, n from _tf_raw where n > case kind {ignored} end
        union all {" union all ".join(totals)}
        """
    )
    con.execute("drop table _tf_raw")


def _frequency(kind: str) -> str:
    """SQL table (value, f): a kind's frequency (``KINDS``) for the values ``_tf_counts`` holds, keyed by digest."""
    left_out, floor = KINDS[kind]
    return f"""(select c.value, greatest(c.n - {left_out}, {floor})::double / greatest(t.n, 1) as f
        from {COUNTS_TABLE} c join {COUNTS_TABLE} t on t.kind = c.kind and t.value is null
        where c.kind = '{kind}' and c.value is not null)"""


def _absent(kind: str) -> str:
    """SQL: the frequency of a value ``_tf_counts`` does not hold (held by too few records to be kept)."""
    floor = KINDS[kind][1]
    return f"({floor}.0 / (select greatest(n, 1) from {COUNTS_TABLE} where kind = '{kind}' and value is null))"


def _floor_sql(column: str, table: str) -> str:
    """SQL table (value, floor) for every distinct value of ``column`` in ``table``.

    A full name's floor combines its tokens' and token pairs' frequencies (Kirkwood's approximation: the product
    of the pairs' frequencies over each token's counted once too often). With pairs at independence it is the
    product of the tokens'; tokens that go together (a Vietnamese family, middle and given name; names of one
    language) raise it, so a name of common-together tokens is not mistaken for a rare one.
    """
    one = f"(1.0 / (select greatest(n, 1) from {COUNTS_TABLE} where kind = '{column}' and value is null))"
    if column == "name_key":
        return f"""(with v as (
                select distinct name_key, len(name_toks) as k from {table} where name_key is not null
            ),
            toks as (select name_key, k, unnest(string_split(name_key, ' ')) as t from v),
            tok_f as (
                select x.name_key, x.k, x.t, coalesce(p.f, {_absent("name_token")}) as f
                from toks x left join {_frequency("name_token")} p on p.value = md5(x.t)
            ),
            pair_f as (
                select a.name_key, greatest(coalesce(p.f, {_absent("name_pair")}), a.f * b.f) as f
                from tok_f a join tok_f b on a.name_key = b.name_key and a.t < b.t
                left join {_frequency("name_pair")} p on p.value = md5(a.t || ' ' || b.t)
            ),
            logs as (
                select name_key, (2 - any_value(k)) * sum(ln(f)) as l from tok_f group by name_key
                union all
                select name_key, sum(ln(f)) from pair_f group by name_key
            )
            select name_key as value, least(exp(sum(l)), 1.0) as floor from logs group by name_key)"""
    if column == "dob":
        return f"""(select v.dob as value,
                coalesce(y.f, {_absent("dob_year")}) * coalesce(d.f, {_absent("dob_day")}) as floor
            from (select distinct dob from {table} where dob is not null) v
            left join {_frequency("dob_year")} y on y.value = md5(substr(v.dob, 1, 4))
            left join {_frequency("dob_day")} d on d.value = md5(substr(v.dob, 6, 5)))"""
    return f"""(select distinct {column}::varchar as value, {one} as floor from {table} where {column} is not null)"""


def lookup(con: duckdb.DuckDBPyConnection, column: str, table: str = "features") -> str:
    """Create table ``_tf_<column>`` (``column``, ``tf_<column>``) for every distinct value of ``column`` in
    ``table``, from ``_tf_counts``; return its name."""
    name = f"_tf_{column}"
    con.execute(
        f"""
        create or replace table {name} as
        select fl.value as {column}, greatest(coalesce(c.f, {_absent(column)}), fl.floor) as tf_{column}
        from {_floor_sql(column, table)} fl left join {_frequency(column)} c on c.value = md5(fl.value)
        """
    )
    return name


def register(
    linker: object, db_api: object, con: duckdb.DuckDBPyConnection, columns: list[str], table: str = "features"
) -> None:
    """Give the linker this module's frequencies for ``columns`` (for the values in ``table``) instead of Splink's
    own."""
    for column in columns:
        lookup_table = db_api.register(lookup(con, column, table))  # type: ignore[attr-defined]
        linker.table_management.register_term_frequency_lookup(lookup_table, column)  # type: ignore[attr-defined]


def counts_path(model_path: str | os.PathLike[str]) -> Path:
    """Where the counts of a model saved at ``model_path`` live."""
    return Path(f"{model_path}.tf.parquet")


def save(con: duckdb.DuckDBPyConnection, model_path: str | os.PathLike[str]) -> None:
    """Write ``_tf_counts`` beside the model (atomically)."""
    path = counts_path(model_path)
    tmp = path.with_suffix(".tmp")
    if getattr(con, "dialect", "duckdb") == "spark":
        # The counts are small (values held by a few records are not kept): one file on the driver, as DuckDB writes.
        con.execute(f"select * from {COUNTS_TABLE}").df().to_parquet(tmp, index=False)
    else:
        con.execute(f"copy {COUNTS_TABLE} to '{tmp}' (format parquet)")
    tmp.replace(path)


def load(con: duckdb.DuckDBPyConnection, model_path: str | os.PathLike[str]) -> bool:
    """Restore ``_tf_counts`` saved with the model; False when there is none."""
    path = counts_path(model_path)
    if not path.exists():
        return False
    if getattr(con, "dialect", "duckdb") == "spark":
        import pandas as pd

        con.register(COUNTS_TABLE, pd.read_parquet(path))
    else:
        con.execute(f"create or replace temp table {COUNTS_TABLE} as select * from read_parquet('{path}')")
    return True
