"""A parent loaded again replaces its child rows in the warehouse: the ones it still holds are updated, the ones taken
off it are gone, and other parents' rows are untouched (the merge the loaders' child tables rely on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa

from dlt_sources.common.pages import MERGE, hinted_child
from dlt_sources.pipelines import make_pipeline


def _order_with_lines(orders: dict[str, list[tuple[str, int]]]) -> list[Any]:
    parents = pa.table({"id": list(orders), "_dlt_id": [f"order:{o}" for o in orders]})
    lines = [(f"order:{o}", uid, quantity) for o, held in orders.items() for uid, quantity in held]
    children = pa.table(
        {
            "uid": [uid for _, uid, _ in lines],
            "quantity": pa.array([q for _, _, q in lines], pa.int64()),
            "_dlt_id": [f"line:{uid}" for _, uid, _ in lines],
            "_dlt_parent_id": [parent for parent, _, _ in lines],
        }
    )
    return [parents, hinted_child(children, "orders", "line_items")]


def _load(home: Path, orders: dict[str, list[tuple[str, int]]]) -> None:
    @dlt.resource(name="orders", primary_key="id", write_disposition=MERGE)
    def resource() -> Iterator[Any]:
        yield from _order_with_lines(orders)

    make_pipeline("test", home / "warehouse.duckdb", home / "dlt").run(resource(), loader_file_format="parquet")


def test_an_order_loaded_again_replaces_its_lines(tmp_path: Path):
    _load(tmp_path, {"A": [("a1", 1), ("a2", 1), ("a3", 1)], "B": [("b1", 1)]})
    # The order edited: a1's quantity changed, a2 and a3 taken off, a4 added.
    _load(tmp_path, {"A": [("a1", 5), ("a4", 2)]})
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        lines = con.sql("select uid, quantity from raw_test.orders__line_items order by uid").fetchall()
    assert lines == [("a1", 5), ("a4", 2), ("b1", 1)]
