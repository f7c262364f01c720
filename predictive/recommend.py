"""Next products: up to five products a customer has not bought, from the categories they favour and what sells
together, with popularity as the fallback and version-controlled rules that exclude products.

A product's score for a customer is the chance that a line they buy is that product, estimated as their category mix
(shrunk towards the shop's for short histories) times the product's popularity within its category; plus, for each
product they own, how much more often it sells with the candidate than the candidate sells at all (the confidence and
lift of `marts.product_pairs`, computed here as of the cut-off so the backtest does not see the future), weighted by
how likely they are to buy that product again. A customer with no history gets the most popular products.

What the shop as a whole knows (catalogue, popularity, pairs) is the model: it is taken as of the night the model was
trained and kept until the weekly retrain, while each customer's own purchases are read up to tonight. So a customer's
picks change when they buy or when the model is retrained, not every night as near-ties of popularity re-rank, and
the email tools receive only the picks that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from scipy import sparse

EXCLUSIONS_FILE = Path(__file__).with_name("exclusions.yml")
TOP_N = 5
POPULAR_DAYS = 90  # popularity counts the orders of this many days before the cut-off
CATEGORY_PRIOR = 5.0  # lines of the shop's own mix added to each customer's: a single order says little
CHUNK = 5_000  # customers scored at once (customers × products floats in memory)

_LINES = """
select distinct a.customer_id, l.order_id, l.product_id, l.product_name, l.category, l.ordered_at
from intermediate.int_order_lines as l
left join identity.customer_assignments as a on a.record_id = l.customer_record_id
where l.is_revenue and l.ordered_at < ?
"""


@dataclass(frozen=True)
class Exclusions:
    """Products never recommended (exclusions.yml): by name, by category, out of stock, or unsold for too long."""

    products: frozenset[str]
    categories: frozenset[str]
    out_of_stock: frozenset[str]
    unsold_days: int | None

    def excluded(self, catalog: pd.DataFrame, cutoff: datetime) -> np.ndarray:
        names = catalog["product_name"].str.lower()
        out = names.isin(self.products | self.out_of_stock) | catalog["category"].str.lower().isin(self.categories)
        if self.unsold_days is not None:
            out |= catalog["last_sold_at"] < cutoff - timedelta(days=self.unsold_days)
        return out.to_numpy()


def load_exclusions(path: Path = EXCLUSIONS_FILE) -> Exclusions:
    raw = yaml.safe_load(path.read_text()) or {}
    unknown = set(raw) - {"products", "categories", "out_of_stock", "unsold_days"}
    if unknown:
        raise ValueError(
            f"{path}: unknown keys {', '.join(sorted(unknown))}; expected products, categories, out_of_stock, "
            "unsold_days"
        )

    def names(key: str) -> frozenset[str]:
        return frozenset(str(v).strip().lower() for v in raw.get(key) or ())

    days = raw.get("unsold_days")
    return Exclusions(names("products"), names("categories"), names("out_of_stock"), int(days) if days else None)


class Recommender:
    """What the shop knew at `cutoff` (its catalogue, popularity and pairs) and each customer's purchases until
    `bought_until` (by default the same cut-off), with the exclusion rules applied as of `bought_until`.

    A product first sold after `cutoff` is not in the catalogue: it is recommended from the next retrain on.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        cutoff: datetime,
        exclusions: Exclusions,
        bought_until: datetime | None = None,
    ) -> None:
        bought_until = bought_until or cutoff
        if bought_until < cutoff:
            raise ValueError(f"purchases until {bought_until} end before the model's cut-off {cutoff}")
        lines = con.execute(_LINES, [bought_until]).df()
        self.cutoff = cutoff
        known = lines[lines["ordered_at"] < cutoff]
        recent = known[known["ordered_at"] >= cutoff - timedelta(days=POPULAR_DAYS)]
        catalog = (
            known.groupby("product_id")
            .agg(product_name=("product_name", "max"), category=("category", "max"))
            .join(lines.groupby("product_id")["ordered_at"].max().rename("last_sold_at"))
            .join(recent.groupby("product_id")["order_id"].nunique().rename("recent_orders"))
            .join(known.groupby("product_id")["order_id"].nunique().rename("orders"))
            .fillna({"recent_orders": 0})
            .sort_values("product_name")
        )
        self.catalog = catalog  # one row per product id, by name
        self.index = {p: i for i, p in enumerate(catalog.index)}
        # A dict, not `catalog.at`: a night names five products for each of its customers (7 s at 100,000 by `.at`).
        self._names = dict(zip(catalog.index, catalog["product_name"], strict=True))
        self.allowed = ~exclusions.excluded(catalog.reset_index(), bought_until)
        # Popularity: recent orders, all-time orders breaking ties (a share of a line, summing to 1).
        weight = catalog["recent_orders"].to_numpy() + catalog["orders"].to_numpy() / (catalog["orders"].sum() + 1)
        self.popularity = weight / weight.sum() if weight.sum() else weight
        categories = sorted(catalog["category"].unique())
        self.category_of = catalog["category"].map({c: i for i, c in enumerate(categories)}).to_numpy()
        category_share = np.bincount(self.category_of, weights=self.popularity, minlength=len(categories))
        self.shop_mix = category_share
        self.within_category = np.divide(
            self.popularity,
            category_share[self.category_of],
            out=np.zeros(len(catalog)),
            where=category_share[self.category_of] > 0,
        )
        self.uplift = self._uplift(known)
        self.lines = lines[lines["customer_id"].notna() & lines["product_id"].isin(self.index)]

    def _uplift(self, lines: pd.DataFrame) -> np.ndarray:
        """uplift[a, b]: how much more often b is in an order with a than in any order (confidence minus base rate)."""
        orders = lines[["order_id", "product_id"]].drop_duplicates()
        order_codes, order_ids = pd.factorize(orders["order_id"])
        basket = sparse.csr_matrix(
            (np.ones(len(orders)), (order_codes, orders["product_id"].map(self.index).to_numpy())),
            shape=(len(order_ids), len(self.catalog)),
        )
        pairs = (basket.T @ basket).toarray()
        counts = np.diag(pairs).copy()
        np.fill_diagonal(pairs, 0.0)
        confidence = np.divide(pairs, counts[:, None], out=np.zeros_like(pairs), where=counts[:, None] > 0)
        base = counts / max(1, len(order_ids))
        return np.clip(confidence - base[None, :], 0.0, None)

    def name(self, product_id: str) -> str:
        return str(self._names[product_id])

    def recommend(self, customers: list[str], top: int = TOP_N, popular_only: bool = False) -> list[list[str]]:
        """Per customer, up to `top` product ids they have not bought and no rule excludes, best first."""
        ids = self.catalog.index.to_numpy()
        mine = self.lines[self.lines["customer_id"].isin(customers)]
        row = {c: i for i, c in enumerate(customers)}
        cols = mine["product_id"].map(self.index).to_numpy(dtype="int64")
        rows = mine["customer_id"].map(row).to_numpy(dtype="int64")
        out: list[list[str]] = []
        for start in range(0, len(customers), CHUNK):
            stop = min(start + CHUNK, len(customers))
            in_chunk = (rows >= start) & (rows < stop)
            bought = np.zeros((stop - start, len(ids)))
            np.add.at(bought, (rows[in_chunk] - start, cols[in_chunk]), 1.0)
            score = np.tile(self.popularity, (stop - start, 1)) if popular_only else self._scores(bought)
            score[(bought > 0) | ~self.allowed[None, :]] = -np.inf
            ranked = np.argsort(-score, axis=1, kind="stable")[:, :top]
            for r, picks in enumerate(ranked):
                out.append([ids[p] for p in picks if np.isfinite(score[r, p])])
        return out

    def _scores(self, bought: np.ndarray) -> np.ndarray:
        """bought: customers × products line counts → customers × products scores."""
        by_category = np.zeros((len(bought), len(self.shop_mix)))
        for c in range(len(self.shop_mix)):
            by_category[:, c] = bought[:, self.category_of == c].sum(axis=1)
        mix = (by_category + CATEGORY_PRIOR * self.shop_mix[None, :]) / (
            by_category.sum(axis=1, keepdims=True) + CATEGORY_PRIOR
        )
        line_chance = mix[:, self.category_of] * self.within_category[None, :]
        owned = (bought > 0) * line_chance
        return line_chance + owned @ self.uplift


def new_products(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> dict[str, set[str]]:
    """Per customer, the product ids they bought in [start, end) that they had not bought before `start`."""
    rows = con.execute(
        """
        with lines as (
            select a.customer_id, l.product_id, l.product_name, l.ordered_at
            from intermediate.int_order_lines as l
            inner join identity.customer_assignments as a on a.record_id = l.customer_record_id
            where l.is_revenue and l.ordered_at < ?
        )
        select customer_id, list(distinct product_id)
        from lines as later
        where ordered_at >= ?
            and not exists (
                select 1 from lines as earlier
                where earlier.customer_id = later.customer_id
                    and earlier.product_id = later.product_id
                    and earlier.ordered_at < ?
            )
        group by customer_id
        """,
        [end, start, start],
    ).fetchall()
    return {customer: set(products) for customer, products in rows}
