"""Stable customer IDs across runs: carry each person's ID over from the last assignment.

`resolve()` numbers clusters afresh each run; the warehouse needs IDs that stay put. Given last run's
assignment (record → customer_id) and this run's clusters (record → cluster), (cluster, old ID) pairs are
taken by the records they share, largest first, each cluster and each old ID used once: so every cluster that
holds records of a still-free old ID keeps one, and only a cluster holding no free ID's records gets a new ID.
Every change is written as history, so downstream tools can remap:
- `merge`: an old ID none of whose records kept it, because they joined a cluster that kept another ID;
- `split`: a cluster that took some records of an old ID that lives on elsewhere, or died (a split);
- `erase`: an old ID whose records are all gone (forgotten people).
All of it runs in DuckDB, so it scales with the warehouse, not with a Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

ID_PREFIX = "cus_"
ID_DIGITS = 10


def assign_customer_ids(
    clusters: pd.DataFrame, previous: pd.DataFrame | None, retired_ids: Iterable[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stable IDs for this run's clusters.

    Args:
        clusters: `record_id`, `cluster_id` (this run's resolution).
        previous: `record_id`, `customer_id` (the last stored assignment), or None on the first run.
        retired_ids: IDs issued before and no longer in use (merged away, erased): never issued again.

    Returns:
        (`record_id`, `customer_id`) for every record of `clusters`, and the ID changes as
        `old_customer_id`, `new_customer_id`, `change`.
    """
    con = duckdb.connect(":memory:")
    con.register("clusters_in", clusters[["record_id", "cluster_id"]])
    if previous is None or previous.empty:
        previous = pd.DataFrame({"record_id": pd.Series(dtype="str"), "customer_id": pd.Series(dtype="str")})
    con.register("previous_in", previous[["record_id", "customer_id"]])
    con.execute(
        "create table clusters as select cast(record_id as varchar) record_id, "
        "cast(cluster_id as varchar) cluster_id from clusters_in"
    )
    con.execute(
        "create table previous as select cast(record_id as varchar) record_id, "
        "cast(customer_id as varchar) customer_id from previous_in"
    )
    # How many records each (new cluster, old ID) pair shares.
    con.execute("""
        create table overlap as
        select c.cluster_id, p.customer_id, count(*) as shared
        from clusters c join previous p using (record_id)
        group by all
    """)
    _inherit_greedily(con)
    con.register("retired_in", pd.DataFrame({"customer_id": [str(i) for i in retired_ids]}, dtype="str"))
    next_number = con.sql(f"""
        select coalesce(max(try_cast(substr(customer_id, {len(ID_PREFIX) + 1}) as bigint)), 0) + 1
        from (select customer_id from previous union all select customer_id from retired_in)
        where starts_with(customer_id, '{ID_PREFIX}')
    """).fetchall()[0][0]
    # New IDs in the order of each cluster's smallest record ID: the same input numbers the same way.
    con.execute(f"""
        create table cluster_ids as
        with fresh as (
            select cluster_id, min(record_id) as first_record
            from clusters where cluster_id not in (select cluster_id from inherited)
            group by cluster_id
        )
        select cluster_id, customer_id from inherited
        union all
        select cluster_id,
               '{ID_PREFIX}' || lpad(cast({next_number} - 1 + row_number() over (order by first_record) as varchar),
                                     {ID_DIGITS}, '0')
        from fresh
    """)
    assignment = con.sql("""
        select c.record_id, i.customer_id
        from clusters c join cluster_ids i using (cluster_id)
        order by c.record_id
    """).df()
    con.execute("""
        create table new_assignment as
        select c.record_id, i.customer_id from clusters c join cluster_ids i using (cluster_id)
    """)
    history = con.sql("""
        with moved as (
            select p.customer_id as old_customer_id, n.customer_id as new_customer_id, count(*) as records
            from previous p join new_assignment n using (record_id)
            where p.customer_id <> n.customer_id
            group by all
        ),
        surviving as (select distinct customer_id from new_assignment),
        classified as (
            select old_customer_id, new_customer_id,
                   case when old_customer_id in (select customer_id from surviving)
                        then 'split' else 'merge' end as change
            from moved
        ),
        -- An old ID whose records went to several clusters, none of which kept it, was split apart.
        fanned as (
            select old_customer_id from classified where change = 'merge'
            group by old_customer_id having count(*) > 1
        ),
        erased as (
            select distinct p.customer_id as old_customer_id, cast(null as varchar) as new_customer_id,
                   'erase' as change
            from previous p
            where p.customer_id not in (select customer_id from new_assignment)
              and p.customer_id not in (select old_customer_id from moved)
        )
        select old_customer_id, new_customer_id,
               case when change = 'merge' and old_customer_id in (select old_customer_id from fanned)
                    then 'split' else change end as change
        from classified
        union all
        select * from erased
        order by change, old_customer_id, new_customer_id
    """).df()
    con.close()
    return assignment, history


def _inherit_greedily(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``inherited`` (cluster_id, customer_id): the greedy matching of ``overlap``, largest first.

    Each round takes the pairs that are the best free choice of both their cluster and their old ID under one
    total order (shared records, then the IDs, so ties resolve the same way every run); the globally largest
    free pair always qualifies, so rounds end, and the result is the greedy matching. One round of this was
    the old rule, which left a cluster with a fresh ID when its best old ID went elsewhere but another was free.
    """
    con.execute("create table inherited (cluster_id varchar, customer_id varchar)")
    while True:
        added = con.execute("""
            insert into inherited
            with free as (
                select * from overlap
                where cluster_id not in (select cluster_id from inherited)
                  and customer_id not in (select customer_id from inherited)
            ),
            ranked as (
                select *,
                    row_number() over (partition by cluster_id order by shared desc, customer_id, cluster_id) as in_c,
                    row_number() over (partition by customer_id order by shared desc, customer_id, cluster_id) as in_i
                from free
            )
            select cluster_id, customer_id from ranked where in_c = 1 and in_i = 1
        """).fetchall()[0][0]
        if not added:
            return
