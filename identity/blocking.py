"""Derived matching columns, shared-identifier detection and capped blocking keys, all in DuckDB SQL (translated for
Spark by ``dialect.to_spark`` when ``con`` is a ``spark_engine.SparkConnection``).

Recall is won here: a pair that no key brings together is never scored. Each key is a combination that a
true pair usually shares even with a typo, a missing field or names in another order; each key value is
dropped when more records share it than ``cap`` allows, so no block can explode whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from identity.compatibility import names_compatible

# A value (email, phone) used by this many different names is a placeholder or a shop's own number.
PLACEHOLDER_MIN_NAMES = 6
PLACEHOLDER_MIN_RECORDS = 40


@dataclass(frozen=True)
class BlockKey:
    """A blocking key: SQL over the feature columns, the columns it needs, and the largest block kept."""

    name: str
    sql: str
    needs: tuple[str, ...]
    cap: int


# Name tokens are sorted, so ta/tb are the alphabetically first/last token: a typo in one leaves the other.
# Birth dates are also keyed with month and day in either order (swapped at entry) and by parts (a typo in the
# year leaves month and day), names also by sound (Soundex per token), so typos still meet their record.
BLOCK_KEYS: tuple[BlockKey, ...] = (
    BlockKey("bk_email", "email", ("email",), 30),
    BlockKey("bk_phone", "phone", ("phone",), 30),
    BlockKey("bk_ta_dob", "name_toks[1] || '|' || dob", ("name_key", "dob"), 40),
    BlockKey("bk_tb_dob", "name_toks[-1] || '|' || dob", ("name_key", "dob"), 40),
    BlockKey("bk_ph_dob", "name_ph || '|' || dob_unordered", ("name_key", "dob"), 40),
    BlockKey("bk_name_year", "name_key || '|' || substr(dob, 1, 4)", ("name_key", "dob"), 30),
    BlockKey("bk_name_md", "name_key || '|' || substr(dob, 6)", ("name_key", "dob"), 30),
    BlockKey("bk_name_pc", "name_key || '|' || postcode", ("name_key", "postcode"), 40),
    BlockKey("bk_ph_pc", "name_ph || '|' || postcode", ("name_key", "postcode"), 30),
    BlockKey("bk_ta_pc", "left(name_toks[1], 1) || '|' || postcode", ("name_key", "postcode"), 30),
    BlockKey("bk_tb_pc", "left(name_toks[-1], 1) || '|' || postcode", ("name_key", "postcode"), 30),
    BlockKey("bk_name_city", "name_key || '|' || city", ("name_key", "city"), 40),
    BlockKey("bk_ph_city", "name_ph || '|' || city", ("name_key", "city"), 30),
    BlockKey("bk_ta_addr", "name_toks[1] || '|' || address", ("name_key", "address"), 30),
    BlockKey("bk_tb_addr", "name_toks[-1] || '|' || address", ("name_key", "address"), 30),
    BlockKey("bk_dob_pc", "dob || '|' || postcode", ("dob", "postcode"), 30),
    BlockKey("bk_dob_addr", "dob || '|' || address", ("dob", "address"), 30),
    BlockKey("bk_dob_city", "dob || '|' || city", ("dob", "city"), 30),
    BlockKey("bk_addr_pc", "address || '|' || postcode", ("address", "postcode"), 30),
    BlockKey("bk_email_local", "split_part(email, '@', 1) || '|' || name_toks[1]", ("email", "name_key"), 20),
    BlockKey("bk_name", "name_key", ("name_key",), 8),
)

# A column drives matching only when enough records fill it and no one value dominates it: a column that is
# mostly null or mostly one value (a default country's city, a placeholder date) tells no one apart.
MIN_FILL = 0.01
MAX_TOP_SHARE = 0.5
# Too few values to call one of them dominant (a handful of records).
MIN_VALUES_TO_JUDGE = 20
COMPARED = ("name_key", "dob", "email", "phone", "address", "postcode", "city")


def build_features(
    con: duckdb.DuckDBPyConnection | Any, source: str, target: str = "features"
) -> tuple[list[str], set[str]]:
    """Create table ``target`` from normalised table ``source``; return the blocking-key columns built and the
    informative compared columns."""
    con.execute(
        f"""
        create or replace temp table _names as
        select *,
            list_sort(list_distinct(list_filter(
                string_split(coalesce(first_c, '') || ' ' || coalesce(last_c, ''), ' '), lambda t: t <> ''
            ))) as _toks
        from {source}
        """
    )
    con.execute(
        """
        create or replace temp table _named as
        select * exclude (_toks),
            case when len(_toks) > 0 then _toks end as name_toks,
            case when len(_toks) > 0 then array_to_string(_toks, ' ') end as name_key,
            case when first_c is not null then list_distinct(string_split(first_c, ' ')) end as first_toks,
            substr(dob, 1, 5) || least(substr(dob, 6, 2), substr(dob, 9, 2)) || '-'
                || greatest(substr(dob, 6, 2), substr(dob, 9, 2)) as dob_unordered
        from _names
        """
    )
    # Identifiers shared by many different names glue strangers: drop them. Shared by a few (a household's
    # phone or family email) they stay, flagged, and the model learns they are weaker evidence.
    for c in ("email", "phone"):
        con.execute(
            f"""
            create or replace temp table _share_{c} as
            select {c} as v, count(*) as n_rec, count(distinct name_key) as n_names
            from _named where {c} is not null group by {c}
            """
        )
        _count_people_by_name(con, c)
    con.execute(
        f"""
        create or replace temp table _feat0 as
        select n.* exclude (email, phone),
            case when coalesce(se.n_names, 0) < {PLACEHOLDER_MIN_NAMES}
                  and coalesce(se.n_rec, 0) < {PLACEHOLDER_MIN_RECORDS} then n.email end as email,
            case when coalesce(sp.n_names, 0) < {PLACEHOLDER_MIN_NAMES}
                  and coalesce(sp.n_rec, 0) < {PLACEHOLDER_MIN_RECORDS} then n.phone end as phone,
            coalesce(se.n_names, 0) >= 2 as email_shared,
            coalesce(sp.n_names, 0) >= 2 as phone_shared
        from _named n
        left join _share_email se on n.email = se.v
        left join _share_phone sp on n.phone = sp.v
        """
    )
    present = informative_columns(con, "_feat0")
    keys = [k for k in BLOCK_KEYS if all(c in present for c in k.needs)]
    # Key values first, then the few values over their cap (a group-by each, cheap), then the keys without them:
    # one window per key over the whole table cost several times more at a million records.
    con.execute(
        f"create or replace temp table _keyed as select *{''.join(f', {k.sql} as {k.name}' for k in keys)} from _feat0"
    )
    for k in keys:
        con.execute(
            f"create or replace temp table _over_{k.name} as select {k.name} as v from _keyed "
            f"where {k.name} is not null group by all having count(*) > {k.cap}"
        )
    capped = "".join(f", case when o{i}.v is null then f.{k.name} end as {k.name}" for i, k in enumerate(keys))
    joins = " ".join(f"left join _over_{k.name} o{i} on o{i}.v = f.{k.name}" for i, k in enumerate(keys))
    kept = f"f.* exclude ({', '.join(k.name for k in keys)})" if keys else "f.*"
    con.execute(f"create or replace table {target} as select {kept}{capped} from _keyed f {joins} order by record_id")
    for t in (
        "_names",
        "_named",
        "_share_email",
        "_share_phone",
        "_feat0",
        "_keyed",
        *(f"_over_{k.name}" for k in keys),
    ):
        con.execute(f"drop table if exists {t}")
    return [k.name for k in keys], present


def distinct_people(name_keys: list[str]) -> int:
    """How many people the names stand for at least: names that could be one person's (a nickname, a
    typo, a missing middle name) count once."""
    reps: list[tuple[str, ...]] = []
    for key in sorted(name_keys, key=lambda k: (-len(k.split(" ")), k)):
        toks = tuple(key.split(" "))
        if not any(names_compatible(toks, r) for r in reps):
            reps.append(toks)
    return len(reps)


def _count_people_by_name(con: duckdb.DuckDBPyConnection | Any, col: str) -> None:
    """Replace the distinct-name count of values used under several names by a count of people."""
    rows = con.execute(
        f"""
        select v, list(distinct n.name_key) from _share_{col} s join _named n on n.{col} = s.v
        where s.n_names between 2 and {PLACEHOLDER_MIN_NAMES * 4} and n.name_key is not null group by v
        """
    ).fetchall()
    if not rows:
        return
    import pandas as pd

    people = pd.DataFrame({"v": [r[0] for r in rows], "n": [distinct_people(r[1]) for r in rows]})
    con.register("_people", people)
    # A join rather than DuckDB's ``update … from``, so that Spark runs the same statement.
    con.execute(
        f"""
        create or replace temp table _share_{col}_people as
        select s.v, s.n_rec, coalesce(p.n, s.n_names) as n_names from _share_{col} s left join _people p on s.v = p.v
        """
    )
    con.execute(f"create or replace temp table _share_{col} as select * from _share_{col}_people")
    con.execute(f"drop table _share_{col}_people")
    con.unregister("_people")


def informative_columns(con: duckdb.DuckDBPyConnection | Any, table: str = "features") -> set[str]:
    """Compared columns filled in at least ``MIN_FILL`` of records whose most common value holds less than
    ``MAX_TOP_SHARE`` of the filled ones."""
    out = set()
    total = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    for c in COMPARED:
        filled, top = con.execute(
            f"select sum(n), max(n) from (select count(*) n from {table} where {c} is not null group by {c})"
        ).fetchall()[0]
        if filled and filled >= MIN_FILL * total and (top < MAX_TOP_SHARE * filled or filled < MIN_VALUES_TO_JUDGE):
            out.add(c)
    return out
