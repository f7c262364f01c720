"""marts.campaign_results: did a campaign bring orders that would not have come anyway?

For each segment and destination, the stays in the segment that the destination could send to
(`exports.campaign_members`) fall in two groups: held out (the control group or the segment's holdout) and treated
(everybody else: sent, or a household member of the one sent; intent to treat, so a bounce stays treated). A stay
converts when its customer orders (any order that is revenue, online or in store) within `WINDOW_DAYS` after entering
the segment; only stays whose window has closed by the run's as-of time are counted. Per week of entry, and over all
weeks, the table gives both groups' sizes, conversion, orders and revenue per member, and:

- the absolute and relative uplift of conversion with 95 % intervals (statsmodels' Newcombe interval for the
  difference, the log-ratio interval for the ratio);
- the uplift of orders per member with a 95 % t interval on the pooled variance (sound with a handful of held-out
  members), and of revenue per member with a 95 % bootstrap interval (revenue is skewed: most members spend nothing;
  given once both groups have `MIN_BOOTSTRAP_GROUP` members);
- a sample-ratio-mismatch check: a chi-square test of the held-out share against the share the assignments promised
  (a p-value under 0.001 says the split is broken and the uplift is not to be trusted);
- the group size needed to detect an uplift of `DETECTABLE_UPLIFT_POINTS` points at the held-out conversion with 80 %
  power, and how many weeks of entries that takes at the segment's pace.

Python writes the table (in the marts schema, kept across full refreshes; the dbt project declares it a source).
"""

from __future__ import annotations

import math
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import chisquare
from scipy.stats import t as t_distribution
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from activation.holdouts import ensure_tables as ensure_holdout_tables
from activation.segment_history import merge_targets
from activation.state import ensure_tables as ensure_export_tables
from warehouse import registered, transaction

WINDOW_DAYS = 14
ALPHA = 0.05
POWER = 0.8
DETECTABLE_UPLIFT_POINTS = 2.0
BOOTSTRAP_RESAMPLES = 2000
MIN_BOOTSTRAP_GROUP = 20
SRM_ALPHA = 0.001
ALL_WEEKS = "all"
DDL = """
create schema if not exists marts;
create table if not exists marts.campaign_results (
    segment varchar, destination varchar, period varchar, period_start date, window_days integer, treated bigint,
    held_out bigint, expected_held_out_share double, treated_conversion double, held_out_conversion double,
    absolute_uplift double, absolute_uplift_low double, absolute_uplift_high double, relative_uplift double,
    relative_uplift_low double, relative_uplift_high double, treated_orders_per_member double,
    held_out_orders_per_member double, orders_uplift double, orders_uplift_low double, orders_uplift_high double,
    treated_revenue_per_member double, held_out_revenue_per_member double,
    revenue_uplift double, revenue_uplift_low double, revenue_uplift_high double, reporting_currency varchar,
    srm_p_value double, sample_ratio_mismatch boolean, detectable_uplift_points double, required_group_size bigint,
    weeks_to_detect bigint, computed_at timestamptz);
"""

COLUMNS = [
    "segment", "destination", "period", "period_start", "window_days", "treated", "held_out",
    "expected_held_out_share", "treated_conversion", "held_out_conversion", "absolute_uplift", "absolute_uplift_low",
    "absolute_uplift_high", "relative_uplift", "relative_uplift_low", "relative_uplift_high",
    "treated_orders_per_member", "held_out_orders_per_member", "orders_uplift", "orders_uplift_low",
    "orders_uplift_high", "treated_revenue_per_member", "held_out_revenue_per_member", "revenue_uplift",
    "revenue_uplift_low", "revenue_uplift_high", "reporting_currency", "srm_p_value", "sample_ratio_mismatch",
    "detectable_uplift_points", "required_group_size", "weeks_to_detect", "computed_at",
]  # fmt: skip


def stays(con: duckdb.DuckDBPyConnection, as_of: datetime, window_days: int = WINDOW_DAYS) -> pd.DataFrame:
    """One row per stay whose window closed by `as_of`: its group, expected chance of being held out, and what the
    customer ordered within the window."""
    with registered(con, merges_in=merge_targets(con)):
        return con.execute(
            """
        with campaign_members as (
            -- a merged-away customer's stays are the surviving customer's: their orders are under that ID now
            select c.destination, c.segment, coalesce(merges.new_customer_id, c.customer_id) as customer_id,
                   c.entered_at, c.held_by
            from exports.campaign_members as c
            left join merges_in as merges on merges.old_customer_id = c.customer_id
            qualify row_number() over (
                partition by c.destination, c.segment, coalesce(merges.new_customer_id, c.customer_id), c.entered_at
                order by c.held_by nulls last) = 1
        ),
        members as (
            select m.destination, m.segment, m.customer_id, m.entered_at, m.held_by is not null as held_out,
                   -- independent draws: kept back by the control group or else by the segment's holdout
                   1 - (1 - coalesce(control.share_pct, 0) / 100) * (1 - coalesce(own.share_pct, 0) / 100)
                       as expected_held_out
            from campaign_members as m
            left join campaigns.assignments as control on control.scope = '*' and control.customer_id = m.customer_id
            left join campaigns.assignments as own on own.scope = m.segment and own.customer_id = m.customer_id
            where m.entered_at + to_days($window) <= $as_of
        )
        select members.destination, members.segment, members.customer_id, members.entered_at, members.held_out,
               members.expected_held_out,
               count(orders.order_id) as orders,
               coalesce(sum(orders.total_amount_reporting), 0) as revenue
        from members
        left join marts.fct_orders as orders
            on orders.customer_id = members.customer_id and orders.is_revenue
           and orders.ordered_at > members.entered_at
           and orders.ordered_at <= members.entered_at + to_days($window)
        group by all
        """,
            {"window": window_days, "as_of": as_of},
        ).df()


def results(frame: pd.DataFrame, as_of: datetime, currency: str, seed: int = 0) -> pd.DataFrame:
    """The rows of marts.campaign_results from `stays` output: per segment, destination and week of entry, and over
    all weeks."""
    rows = []
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.assign(week=pd.to_datetime(frame["entered_at"], utc=True).dt.tz_localize(None).dt.to_period("W"))
    for (segment, destination), group in frame.groupby(["segment", "destination"], sort=True):
        weeks = group["week"].nunique()
        for week, part in [*group.groupby("week", sort=True), (None, group)]:
            rng = np.random.default_rng(seed)
            row = _compare(part, rng, weeks)
            period = ALL_WEEKS if week is None else str(week.start_time.date())
            period_start = None if week is None else week.start_time.date()
            rows.append({"segment": segment, "destination": destination, "period": period,
                         "period_start": period_start, "window_days": WINDOW_DAYS, **row,
                         "reporting_currency": currency, "computed_at": as_of})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _compare(part: pd.DataFrame, rng: np.random.Generator, weeks: int) -> dict[str, object]:
    treated, held = part[~part["held_out"]], part[part["held_out"]]
    n_t, n_h = len(treated), len(held)
    converted_t, converted_h = int((treated["orders"] > 0).sum()), int((held["orders"] > 0).sum())
    p_t = converted_t / n_t if n_t else None
    p_h = converted_h / n_h if n_h else None
    row: dict[str, object] = {
        "treated": n_t,
        "held_out": n_h,
        "expected_held_out_share": float(part["expected_held_out"].mean()),
        "treated_conversion": p_t,
        "held_out_conversion": p_h,
        "treated_orders_per_member": float(treated["orders"].mean()) if n_t else None,
        "held_out_orders_per_member": float(held["orders"].mean()) if n_h else None,
        "treated_revenue_per_member": float(treated["revenue"].mean()) if n_t else None,
        "held_out_revenue_per_member": float(held["revenue"].mean()) if n_h else None,
        "detectable_uplift_points": DETECTABLE_UPLIFT_POINTS,
    }
    row.update(_srm(n_t, n_h, row["expected_held_out_share"]))
    row.update(_power(p_h if p_h is not None else p_t, row["expected_held_out_share"], (n_t + n_h) / max(weeks, 1)))
    if not n_t or not n_h:
        return row
    row["absolute_uplift"] = p_t - p_h
    low, high = confint_proportions_2indep(converted_t, n_t, converted_h, n_h, method="newcomb", compare="diff")
    row["absolute_uplift_low"], row["absolute_uplift_high"] = float(low), float(high)
    if converted_h and converted_t:
        row["relative_uplift"] = p_t / p_h - 1
        low, high = confint_proportions_2indep(converted_t, n_t, converted_h, n_h, method="log", compare="ratio")
        row["relative_uplift_low"], row["relative_uplift_high"] = float(low) - 1, float(high) - 1
    row.update(_pooled_t(treated["orders"].to_numpy(float), held["orders"].to_numpy(float), "orders_uplift"))
    row.update(_bootstrap(treated["revenue"].to_numpy(float), held["revenue"].to_numpy(float), rng, "revenue_uplift"))
    return row


def _pooled_t(treated: np.ndarray, held: np.ndarray, column: str) -> dict[str, float | None]:
    """The difference of means with its 95 % t interval on the pooled variance: valid for a handful of held-out
    members, where a bootstrap of the held-out group would see no spread at all.

    When neither group varies within itself (every treated member ordered once, no held-out member did) the pooled
    variance is nil and the interval would be one point, a certainty a few members do not give: the variance of all
    members together stands in for it, the spread they would have were the groups alike. When nobody differs from
    anybody (nobody ordered, or everybody ordered alike) there is no spread to measure at all: no interval."""
    difference = float(treated.mean() - held.mean())
    members = np.concatenate([treated, held])
    if len(members) <= 2 or np.ptp(members) == 0:
        return {column: difference, f"{column}_low": None, f"{column}_high": None}
    compared = CompareMeans(DescrStatsW(treated), DescrStatsW(held))
    if compared.std_meandiff_pooledvar > 0:
        low, high = compared.tconfint_diff(alpha=ALPHA, usevar="pooled")
    else:
        spread = members.std(ddof=1) * math.sqrt(1 / len(treated) + 1 / len(held))
        low, high = t_distribution.interval(1 - ALPHA, len(members) - 2, loc=difference, scale=spread)
    return {column: difference, f"{column}_low": float(low), f"{column}_high": float(high)}


def _bootstrap(treated: np.ndarray, held: np.ndarray, rng: np.random.Generator, column: str) -> dict[str, float | None]:
    """The difference of means with its 95 % percentile bootstrap interval (revenue is far from normal), given only
    when both groups have `MIN_BOOTSTRAP_GROUP` members: resampling a few held-out members understates their spread."""
    difference = float(treated.mean() - held.mean())
    if min(len(treated), len(held)) < MIN_BOOTSTRAP_GROUP:
        return {column: difference, f"{column}_low": None, f"{column}_high": None}
    differences = rng.choice(treated, (BOOTSTRAP_RESAMPLES, len(treated))).mean(axis=1) - rng.choice(
        held, (BOOTSTRAP_RESAMPLES, len(held))
    ).mean(axis=1)
    low, high = np.quantile(differences, [ALPHA / 2, 1 - ALPHA / 2])
    return {column: difference, f"{column}_low": float(low), f"{column}_high": float(high)}


def _srm(n_t: int, n_h: int, expected_share: float) -> dict[str, object]:
    total = n_t + n_h
    if not total or not 0 < expected_share < 1:
        return {"srm_p_value": None, "sample_ratio_mismatch": False}
    expected = [total * (1 - expected_share), total * expected_share]
    p_value = float(chisquare([n_t, n_h], expected).pvalue)
    return {"srm_p_value": p_value, "sample_ratio_mismatch": p_value < SRM_ALPHA}


def _power(baseline: float | None, held_share: float, per_week: float) -> dict[str, object]:
    """Held-out members needed to detect the uplift, and weeks of entries at `per_week` stays a week to get them."""
    if baseline is None or not 0 < held_share < 1:
        return {"required_group_size": None, "weeks_to_detect": None}
    baseline = min(max(baseline, 0.005), 0.995 - DETECTABLE_UPLIFT_POINTS / 100)
    effect = abs(proportion_effectsize(baseline + DETECTABLE_UPLIFT_POINTS / 100, baseline))
    ratio = (1 - held_share) / held_share  # treated members per held-out member
    held = NormalIndPower().solve_power(effect, alpha=ALPHA, power=POWER, ratio=ratio, alternative="two-sided")
    required = math.ceil(held)
    weeks = math.ceil(required / (per_week * held_share)) if per_week > 0 else None
    return {"required_group_size": required, "weeks_to_detect": weeks}


def write_results(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """Recomputes marts.campaign_results as of `as_of`; returns its rows."""
    con.execute(DDL)
    ensure_holdout_tables(con)
    ensure_export_tables(con)
    currency = con.sql("select any_value(reporting_currency) from marts.fct_orders").fetchall()[0][0]
    table = results(stays(con, as_of), as_of, currency or "")
    columns = ", ".join(COLUMNS)
    with registered(con, results_in=table.astype(object)), transaction(con):
        con.execute("delete from marts.campaign_results")
        if len(table):
            con.execute(f"insert into marts.campaign_results ({columns}) select {columns} from results_in")
    return len(table)
