"""What the warehouse knew about each customer at a cut-off, and what happened after it.

Everything is computed from orders placed strictly before the cut-off (features) or inside a window after it
(outcomes), never from the machine's clock: a model trained on past cut-offs sees only what was known then. Orders are
`intermediate.int_orders` (revenue orders: completed or open) with their amount in the reporting currency; customers
are identity resolution's `identity.customer_assignments`, so the step runs between identity and the marts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

# The model's inputs, in order. Day counts follow dbt's `datediff(..., 'day')` (calendar days), as the lifecycle
# rule the churn model is compared with does.
FEATURES = (
    "days_known",
    "order_count",
    "orders_30d",
    "orders_90d",
    "orders_180d",
    "orders_365d",
    "recency_days",
    "first_order_days",
    "mean_gap_days",
    "recency_over_gap",
    "spend_total",
    "spend_120d",
    "spend_365d",
    "average_order_value",
    "online_share",
)

_CUTOFFS = "select unnest(cast(? as timestamptz[])) as cutoff"

# Amounts to the cent, as decimals: a sum of floating-point amounts depends on the order they are added in (threads,
# engines), and a model's split points on the last bits of a sum; summed exactly, the same orders give the same model.
_ORDERS = """
    select a.customer_id, o.ordered_at, cast(coalesce(o.total_amount_reporting, 0) as decimal(18, 2)) as amount,
        o.channel
    from intermediate.int_orders as o
    inner join identity.customer_assignments as a on a.record_id = o.customer_record_id
    where o.is_revenue
"""

_SNAPSHOT = f"""
with
cutoffs as ({_CUTOFFS}),
orders as ({_ORDERS}),
customers as (
    select a.customer_id, min(p.created_at) as first_seen_at
    from identity.customer_assignments as a
    left join intermediate.int_person_records as p on p.record_id = a.record_id
    group by a.customer_id
),
history as (
    select
        c.cutoff,
        o.customer_id,
        count(*) as order_count,
        count(*) filter (where o.ordered_at >= c.cutoff - interval 30 day) as orders_30d,
        count(*) filter (where o.ordered_at >= c.cutoff - interval 90 day) as orders_90d,
        count(*) filter (where o.ordered_at >= c.cutoff - interval 180 day) as orders_180d,
        count(*) filter (where o.ordered_at >= c.cutoff - interval 365 day) as orders_365d,
        sum(o.amount) as spend_total,
        coalesce(sum(o.amount) filter (where o.ordered_at >= c.cutoff - interval 120 day), 0) as spend_120d,
        coalesce(sum(o.amount) filter (where o.ordered_at >= c.cutoff - interval 365 day), 0) as spend_365d,
        avg(case when o.channel = 'online' then 1.0 else 0.0 end) as online_share,
        min(o.ordered_at) as first_order_at,
        max(o.ordered_at) as last_order_at
    from cutoffs as c
    inner join orders as o on o.ordered_at < c.cutoff
    group by c.cutoff, o.customer_id
),
known as (
    select
        c.cutoff,
        k.customer_id,
        h.*  exclude (cutoff, customer_id),
        case
            when k.first_seen_at is null or h.first_order_at < k.first_seen_at then h.first_order_at
            else k.first_seen_at
        end as known_since
    from cutoffs as c
    cross join customers as k
    left join history as h on h.cutoff = c.cutoff and h.customer_id = k.customer_id
)
select
    cutoff,
    customer_id,
    date_diff('day', known_since, cutoff) as days_known,
    coalesce(order_count, 0) as order_count,
    coalesce(orders_30d, 0) as orders_30d,
    coalesce(orders_90d, 0) as orders_90d,
    coalesce(orders_180d, 0) as orders_180d,
    coalesce(orders_365d, 0) as orders_365d,
    date_diff('day', last_order_at, cutoff) as recency_days,
    date_diff('day', first_order_at, cutoff) as first_order_days,
    case
        when order_count > 1 then epoch(last_order_at - first_order_at) / 86400.0 / (order_count - 1)
    end as mean_gap_days,
    case
        when order_count > 1 and last_order_at > first_order_at
            then epoch(cutoff - last_order_at) / (epoch(last_order_at - first_order_at) / (order_count - 1))
    end as recency_over_gap,
    coalesce(spend_total, 0) as spend_total,
    coalesce(spend_120d, 0) as spend_120d,
    coalesce(spend_365d, 0) as spend_365d,
    spend_total / order_count as average_order_value,
    online_share
from known
-- a customer the business had not met by the cut-off is not part of that day's snapshot; one with no date at all
-- (no record date, so no order either) is a lead at every cut-off
where known_since < cutoff or known_since is null
order by cutoff, customer_id
"""

_OUTCOMES = f"""
with
cutoffs as ({_CUTOFFS}),
orders as ({_ORDERS})
select c.cutoff, o.customer_id, count(*) as orders, sum(o.amount) as spend
from cutoffs as c
inner join orders as o on o.ordered_at >= c.cutoff and o.ordered_at < c.cutoff + to_days(cast(? as integer))
group by c.cutoff, o.customer_id
"""


def run_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The run's as-of time (`intermediate.int_run_as_of`): predictions are made as of it, never the machine's clock."""
    rows = con.execute("select as_of_at from intermediate.int_run_as_of").fetchall()
    if not rows or rows[0][0] is None:
        raise RuntimeError(
            "intermediate.int_run_as_of has no as-of time: run the dbt staging and intermediate step (a load first) "
            "before the predictions"
        )
    return rows[0][0]


def snapshot(con: duckdb.DuckDBPyConnection, cutoffs: Sequence[datetime]) -> pd.DataFrame:
    """One row per (cut-off, customer known by then) with `FEATURES` from the orders placed before the cut-off; a
    customer is known from their first source record or first order."""
    frame = con.execute(_SNAPSHOT, [list(cutoffs)]).df()
    return frame.astype({name: "float64" for name in FEATURES})


def outcomes(con: duckdb.DuckDBPyConnection, cutoffs: Sequence[datetime], horizon_days: int) -> pd.DataFrame:
    """Per (cut-off, customer who bought in it): revenue orders and spend (reporting currency) in the `horizon_days`
    after the cut-off. Customers who bought nothing in the window have no row."""
    return con.execute(_OUTCOMES, [list(cutoffs), horizon_days]).df()
