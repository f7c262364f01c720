"""The overview's campaign panel tells each campaign's verdict as its planted groups show it, without a night: an
analytics copy whose marts.campaign_results holds the results of planted groups (members and buyers of each group
set by the test) and whose other marts are empty, read by the console in-process as `cdp console` reads it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from activation.campaign_results import DDL, results
from tests.console.conftest import campaign_panel
from tests.exports.test_holdout_assignment import stays

AS_OF = datetime(2026, 6, 20, tzinfo=UTC)
# segment: (treated members, buyers), (held-out members, buyers), the held-out share promised, the verdict due.
CAMPAIGNS = {
    # 40 % of 1,000 against 10 % of 100: thirty points, far beyond chance (Fisher's exact p < 1e-9).
    "a_large_effect": ((1000, 400), (100, 10), 0.1, "brought orders"),
    "a_harmful_one": ((1000, 100), (100, 40), 0.1, "fewer orders"),
    # The same 15 % in both groups: no effect to tell.
    "no_effect": ((1000, 150), (100, 15), 0.1, "cannot tell yet"),
    # One member a group, one bought: any split of two buyers is as likely (Fisher's exact p = 1).
    "one_member_each": ((1, 1), (1, 0), 0.5, "cannot tell yet"),
    # Four of four treated bought, the one held out did not: Newcombe's interval excludes zero, yet four buyers among
    # five members fall this way one time in five (Fisher's exact p = 0.2).
    "four_buyers_of_five": ((4, 4), (1, 0), 0.2, "cannot tell yet"),
    # Both members held out (a chance of 0.09 at 30 %): nobody to compare them with.
    "nobody_treated": ((0, 0), (2, 0), 0.3, "too few to tell"),
    # Half held out where a tenth was promised, and a large difference that is not to be believed.
    "a_broken_split": ((500, 250), (500, 25), 0.1, "the split is broken: do not trust"),
}
# Nobody held out: nothing to compare, and the panel lists only campaigns with a held-out group.
NOBODY_HELD_OUT = ((50, 10), (0, 0), 0.1)
# The overview's other marts, empty: the campaign panel is what this test reads.
OTHER_MARTS = """
create schema marts; create schema meta;
create table marts.customer_360 (reporting_currency varchar, lifecycle_stage varchar, total_spend_reporting double);
create table marts.sales_daily (sales_date date, channel varchar, store_id varchar, store_key varchar,
                                revenue_reporting double, orders bigint);
create table marts.dim_stores (store_id varchar, store_name varchar);
create table marts.dim_products (product_name varchar, category varchar, units_sold bigint, revenue_reporting double);
create table marts.product_pairs (product_a_name varchar, product_b_name varchar, orders_together bigint,
                                  confidence_a_to_b double, lift double);
create table marts.customer_geography (country varchar, city varchar, active_customers bigint, customers bigint,
                                       total_spend_reporting double);
create table marts.segment_sizes_daily (segment varchar, day date, members bigint);
create table meta.source_clock (source_system varchar, observed_at timestamptz, run_id varchar,
                                recorded_at timestamptz);
"""


def planted_copy(home: Path) -> None:
    """The analytics copy with the results of `CAMPAIGNS` and `NOBODY_HELD_OUT`, one stay a member."""
    groups = {**{segment: campaign[:3] for segment, campaign in CAMPAIGNS.items()}, "nobody_held_out": NOBODY_HELD_OUT}
    members = pd.concat(
        stays(treated, held_out, share, segment=segment) for segment, (treated, held_out, share) in groups.items()
    )
    with duckdb.connect(str(home / "analytics.duckdb")) as con:
        con.execute(OTHER_MARTS)
        con.execute(DDL)
        con.register("planted", results(members, AS_OF, "USD").astype(object))
        con.execute("insert into marts.campaign_results by name select * from planted")


def test_the_overview_tells_each_campaigns_verdict(tmp_path: Path, in_home: Callable[[Path], None]) -> None:
    in_home(tmp_path)
    planted_copy(tmp_path)
    verdicts = {row["Segment"]: row["Verdict"] for row in campaign_panel("verdict_reader")}
    assert verdicts == {segment: campaign[3] for segment, campaign in CAMPAIGNS.items()}
