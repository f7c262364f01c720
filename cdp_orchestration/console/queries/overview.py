"""The overview: sales, products, places, lifecycle stages, segment sizes, campaign results and last night's health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
from scipy.stats import fisher_exact

from cdp_orchestration.console.analytics import rows
from warehouse import has_table

DAYS_SHOWN = 90
TOP_STORES = 8
TOP_PRODUCTS = 10
TOP_PAIRS = 10
TOP_CITIES = 10
# A pair bought together this rarely says nothing about what sells together.
MIN_ORDERS_TOGETHER = 3
# A campaign's verdict names a direction only when the groups' conversions differ beyond chance by Fisher's exact test
# as well as by the uplift's interval: with a handful of members, Newcombe's interval can exclude zero where any split
# of the buyers is quite likely (4 of 4 treated against 0 of 1 held out: Fisher's p is 0.2).
VERDICT_P_VALUE = 0.05

Rows = list[dict[str, Any]]


@dataclass
class Overview:
    reporting_currency: str
    weekly_by_channel: Rows
    daily_by_channel: Rows
    weekly_by_store: Rows
    top_products: Rows
    pairs: Rows
    countries: Rows
    cities: Rows
    lifecycle: Rows
    segment_sizes: Rows
    campaigns: Rows
    night: dict[str, Any]


def overview(cursor: duckdb.DuckDBPyConnection) -> Overview:
    return Overview(
        reporting_currency=rows(
            cursor, "select coalesce(any_value(reporting_currency), 'USD') as c from marts.customer_360"
        )[0]["c"],
        weekly_by_channel=rows(
            cursor,
            """select date_trunc('week', sales_date) as period, channel, sum(revenue_reporting) as revenue,
                      sum(orders) as orders
               from marts.sales_daily group by all order by period, channel""",
        ),
        daily_by_channel=rows(
            cursor,
            f"""select sales_date as period, channel, sum(revenue_reporting) as revenue, sum(orders) as orders
                from marts.sales_daily
                where sales_date > (select max(sales_date) from marts.sales_daily) - interval {DAYS_SHOWN} day
                group by all order by period, channel""",
        ),
        weekly_by_store=rows(
            cursor,
            f"""with by_store as (
                    select date_trunc('week', s.sales_date) as period, s.store_key,
                           coalesce(d.store_name, s.store_key) as store, sum(s.revenue_reporting) as revenue
                    from marts.sales_daily as s left join marts.dim_stores as d on d.store_id = s.store_id
                    group by all),
                top as (select store_key from by_store group by 1 order by sum(revenue) desc limit {TOP_STORES})
                select period, store_key, store, revenue from by_store where store_key in (select store_key from top)
                order by period, store""",
        ),
        top_products=rows(
            cursor,
            f"""select product_name, category, units_sold, revenue_reporting as revenue from marts.dim_products
                order by revenue_reporting desc nulls last limit {TOP_PRODUCTS}""",
        ),
        pairs=rows(
            cursor,
            f"""select product_a_name, product_b_name, orders_together, confidence_a_to_b, lift
                from marts.product_pairs where orders_together >= {MIN_ORDERS_TOGETHER}
                order by lift desc, orders_together desc limit {TOP_PAIRS}""",
        ),
        countries=rows(
            cursor,
            """select country, sum(active_customers) as active_customers, sum(customers) as customers,
                      sum(total_spend_reporting) as spend
               from marts.customer_geography group by country order by active_customers desc, country""",
        ),
        cities=rows(
            cursor,
            f"""select country, city, active_customers, customers from marts.customer_geography
                order by active_customers desc, customers desc, city limit {TOP_CITIES}""",
        ),
        lifecycle=rows(
            cursor,
            """select lifecycle_stage, count(*) as customers, sum(total_spend_reporting) as spend,
                      avg(total_spend_reporting) as spend_per_customer
               from marts.customer_360 group by 1 order by spend desc nulls last""",
        ),
        segment_sizes=rows(cursor, "select segment, day, members from marts.segment_sizes_daily order by all"),
        campaigns=campaigns(cursor),
        night=last_night(cursor),
    )


def campaigns(cursor: duckdb.DuckDBPyConnection) -> Rows:
    """Each campaign with anybody held out, over all weeks: its groups, conversion and uplift with the interval, from
    marts.campaign_results (newer than some warehouses: none if it is not there)."""
    if not has_table(cursor, "marts", "campaign_results"):
        return []
    found = rows(
        cursor,
        """select segment, destination, treated, held_out, treated_conversion, held_out_conversion,
                  absolute_uplift, absolute_uplift_low, absolute_uplift_high, sample_ratio_mismatch, weeks_to_detect
           from marts.campaign_results where period = 'all' and held_out > 0 order by segment, destination""",
    )
    for campaign in found:
        campaign["beyond_chance"] = _exact_p_value(campaign) < VERDICT_P_VALUE
    return found


def _exact_p_value(campaign: dict[str, Any]) -> float:
    """Fisher's exact test of the treated and held-out groups' buyers (two-sided); 1 when a group is empty."""
    if not campaign["treated"] or not campaign["held_out"]:
        return 1.0
    groups = []
    for size, conversion in ((campaign["treated"], campaign["treated_conversion"]),
                             (campaign["held_out"], campaign["held_out_conversion"])):  # fmt: skip
        buyers = round(size * conversion)
        groups.append([buyers, size - buyers])
    return float(fisher_exact(groups).pvalue)


def last_night(cursor: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last run: when, as of when, rows loaded and quarantined per source, customers, exports sent and failed."""
    runs = rows(
        cursor,
        """select run_id, min(recorded_at) as started_at, max(observed_at) as as_of_at from meta.source_clock
           group by run_id order by started_at desc limit 1""",
    )
    if not runs:
        return {}
    night = runs[0]
    # meta.source_loads is newer than some warehouses, and bookkeeping may be left out of the copy: shown if there.
    night["sources"] = (
        rows(
            cursor,
            """select source_system, sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined
               from meta.source_loads where run_id = ? group by 1 order by 1""",
            [night["run_id"]],
        )
        if has_table(cursor, "meta", "source_loads")
        else []
    )
    night |= rows(
        cursor,
        """select (select count(*) from marts.customer_360) as customers,
                  (select count(*) from marts.customer_id_map) as records""",
    )[0]
    night["exports"] = (
        rows(
            cursor,
            """select destination, sum(sent) as sent, sum(failed) as failed, max(finished_at) as finished_at
               from exports.syncs where run_id = ? group by 1 order by 1""",
            [night["run_id"]],
        )
        if has_table(cursor, "exports", "syncs")
        else []
    )
    return night
