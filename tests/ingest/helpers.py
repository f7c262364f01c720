"""Loading the simulator's sources with the project's own pipelines, and what the simulator says they hold."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
from dlt import Pipeline

from dlt_sources.common.quarantine import is_quarantine_item
from dlt_sources.connections import FILE_SOURCES, Connection
from dlt_sources.pipelines import SOURCES, make_pipeline, make_source
from simulator import SimState, web_landing_dir
from simulator.browsing import Web
from simulator.config import Tuning, simulator_dir
from simulator.malformed import UNUSABLE_CURSOR_DEFECTS
from simulator.model import World
from simulator.pixels import finished_days
from simulator.simulation import served_world
from warehouse import pipelines_dir, warehouse_path


def quarantine_rows(items: Iterable[Any]) -> list[dict[str, Any]]:
    """The quarantine rows among the items a `PageLoader` yields."""
    return [row for item in items if is_quarantine_item(getattr(item, "meta", None)) for row in item.data.to_pylist()]


# Defects that make an order unusable: the loader rejects those records into quarantine.
REJECTING_DEFECTS = {"negative_amount", "wrong_type"}


def pipeline_for(source: str) -> Pipeline:
    """The project's pipeline of `source` into the warehouse of the current CDP_HOME."""
    return make_pipeline(source, warehouse_path(), pipelines_dir())


def load_all(base_url: str, token: str = "test-token", request_timeout: float = 30.0) -> dict[str, dict[str, int]]:
    """One load of every source (the web events from the simulator's landing folder, which it writes when it
    generates a day: the API sources are loaded first); rows normalised per table."""
    rows = {}
    for source in SOURCES:
        pipeline = pipeline_for(source)
        location = str(web_landing_dir()) if source in FILE_SOURCES else base_url
        connection = Connection(source, location, token, simulated=True)
        pipeline.run(make_source(connection, request_timeout), loader_file_format="parquet")
        rows[source] = dict(pipeline.last_trace.last_normalize_info.row_counts)
    return rows


def simulated_world(home: Path) -> World:
    """The simulator's world at its current day as it serves it: the malformed records this process's settings ask
    for, and the orders its campaigns brought (the emails its Mailchimp sent)."""
    state = SimState(**json.loads((home / "simulator" / "state.json").read_text()))
    return served_world(state, Tuning.from_env(), simulator_dir(home))


def landed_events(world: World) -> int:
    """Web events in the simulator's finished days' files that a loader can use (none of the rejecting defects)."""
    web = Web(world, Tuning.from_env().malformed)
    return sum(sum(1 for defect in defects if defect is None) for _, _, defects in finished_days(web))


def expected_counts(home: Path) -> dict[str, int]:
    """Rows each raw table must hold for the simulator's current day, from its own world."""
    world = simulated_world(home)
    rejected = Counter(
        (system, entity)
        for system, entity, _, defect in world.malformed
        if (defect in REJECTING_DEFECTS and entity in ("order", "checkout")) or defect in UNUSABLE_CURSOR_DEFECTS
    )
    return {
        "raw_shopify.customers": len(world.customers["shopify"]) - rejected[("shopify", "customer")],
        "raw_square.customers": len(world.customers["square"]) - rejected[("square", "customer")],
        "raw_hubspot.contacts": len(world.customers["hubspot"]),
        "raw_shopify.orders": len(world.orders["shopify"]) - rejected[("shopify", "order")],
        "raw_square.orders": len(world.orders["square"]) - rejected[("square", "order")],
        "raw_square.payments": len(world.orders["square"]),
        "raw_shopify.checkouts": len(world.checkouts) - rejected[("shopify", "checkout")],
        "raw_hubspot.tickets": len(world.tickets),
        "raw_hubspot.email_events": len(world.email_events),
        "raw_hubspot.feedback_submissions": len(world.feedback),
        "raw_square.loyalty_accounts": len(world.loyalty_accounts),
        "raw_square.loyalty_events": len(world.loyalty_events),
        "raw_web.pixel_events": landed_events(world),
    }


def warehouse_counts(warehouse: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
    """(rows, distinct ids) per table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: tuple(con.sql(f"select count(*), count(distinct id) from {t}").fetchall()[0]) for t in tables}
