"""Next products on a planted catalogue: what is excluded, what sells together, and the popularity fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from predictive import TABLE, predict
from predictive import card as cards
from predictive.backtest import NEXT_PRODUCTS
from predictive.card import Card
from predictive.recommend import EXCLUSIONS_FILE, Recommender, load_exclusions, new_products

AS_OF = datetime(2026, 6, 1, 2, tzinfo=UTC)
RECENT = "2026-05-15 12:00+00"

RULES = """
products: [Banned Thing]
categories: [Gift]
out_of_stock: [lantern]
unsold_days: 120
"""


@pytest.fixture
def rules(tmp_path: Path):
    path = tmp_path / "exclusions.yml"
    path.write_text(RULES)
    return load_exclusions(path)


@pytest.fixture
def shop(planted):
    planted.customer("eve", ("square:1", "2025-01-01 00:00+00"))
    planted.customer("newcomer", ("hubspot:2", "2026-05-01 00:00+00"))
    planted.order("square:1", "2026-03-01 12:00+00", products=(("Mug", "home"),))
    for name, category, orders in (
        ("Gift Card", "gift", 10),
        ("Lantern", "home", 8),
        ("Banned Thing", "accessories", 7),
        ("Shoes", "footwear", 6),
        ("Socks", "footwear", 5),
        ("Cap", "accessories", 4),
        ("Tea", "home", 3),
    ):
        for _ in range(orders):
            planted.order(None, RECENT, products=((name, category),))
    for _ in range(3):
        planted.order(None, RECENT, products=(("Mug", "home"), ("Coffee", "home")))
    for _ in range(20):  # the best seller of last year, not sold since
        planted.order(None, "2025-11-01 12:00+00", products=(("Old Kettle", "home"),))
    planted.order("square:1", "2026-06-03 12:00+00", products=(("Mug", "home"), ("Tea", "home")))
    return planted


def names(recommender: Recommender, picks: list[list[str]]) -> list[list[str]]:
    return [[recommender.name(p) for p in row] for row in picks]


def test_rules_exclude_out_of_stock_excluded_and_unsold_products(shop, rules) -> None:
    recommender = Recommender(shop.con, AS_OF, rules)
    everyone = names(recommender, recommender.recommend(["eve", "newcomer"]))
    shown = {name for row in everyone for name in row}
    assert not shown & {"Gift Card", "Lantern", "Banned Thing", "Old Kettle"}
    assert all(len(row) == 5 for row in everyone)


def test_what_sells_with_what_they_own_comes_first_and_nothing_they_own(shop, rules) -> None:
    recommender = Recommender(shop.con, AS_OF, rules)
    (eve,) = names(recommender, recommender.recommend(["eve"]))
    assert eve[0] == "Coffee", eve  # in three of the four orders with a mug
    assert "Mug" not in eve


def test_without_history_the_most_popular_products_in_order(shop, rules) -> None:
    recommender = Recommender(shop.con, AS_OF, rules)
    (newcomer,) = names(recommender, recommender.recommend(["newcomer"]))
    # orders in the last 90 days: Shoes 6, Socks 5, Cap 4, Mug 4, Coffee 3, Tea 3 (ties by name)
    assert newcomer == ["Shoes", "Socks", "Cap", "Mug", "Coffee"]
    (eve,) = names(recommender, recommender.recommend(["eve"], popular_only=True))
    assert eve == ["Shoes", "Socks", "Cap", "Coffee", "Tea"]


def test_the_shipped_rules_load_and_a_typo_is_an_error(tmp_path: Path) -> None:
    shipped = load_exclusions(EXCLUSIONS_FILE)
    assert "gift" in shipped.categories
    wrong = tmp_path / "exclusions.yml"
    wrong.write_text("out_of_stok: [Lantern]\n")
    with pytest.raises(ValueError, match="out_of_stok"):
        load_exclusions(wrong)


def test_new_products_are_those_not_bought_before(shop) -> None:
    bought = new_products(shop.con, AS_OF, datetime(2026, 7, 1, tzinfo=UTC))
    assert bought == {"eve": {"tea"}}, "she had bought the mug before"


def test_picks_hold_until_the_customer_buys_or_the_model_is_retrained(shop, rules, tmp_path: Path) -> None:
    """Three nights after the model's night, Tea has become the best seller: a newcomer who bought nothing keeps the
    picks of the model's night (so the email tools are not sent a new list every night), while eve, who bought Tea in
    the meantime, is no longer offered it."""
    trained = Card(
        prediction=NEXT_PRODUCTS,
        title="",
        population="",
        horizon_days=90,
        trained_as_of=AS_OF.isoformat(),
        published=True,
        withheld_reason=None,
        baseline="popularity alone",
    )
    cards.write(trained, tmp_path)
    exclusions = tmp_path / "exclusions.yml"
    exclusions.write_text(RULES)

    def night(as_of: datetime) -> dict[str, list[str]]:
        shop.con.execute("delete from intermediate.int_run_as_of")
        shop.as_of(as_of.isoformat())
        predict(shop.con, tmp_path, exclusions_file=exclusions)
        return dict(shop.con.execute(f"select customer_id, {NEXT_PRODUCTS} from {TABLE}").fetchall())

    first = night(AS_OF)
    for _ in range(12):
        shop.order(None, "2026-06-02 12:00+00", products=(("Tea", "home"),))
    later = night(AS_OF + timedelta(days=3))
    assert cards.read(tmp_path, NEXT_PRODUCTS).trained_at == AS_OF, "the model was not due"
    assert "Tea" not in first["newcomer"]
    assert later["newcomer"] == first["newcomer"]
    assert "Tea" in first["eve"] and "Tea" not in later["eve"]
