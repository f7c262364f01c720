"""Ground truth files for tests and benchmarks (pipeline code never reads them)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from .browsing import Web
from .config import now_ts
from .generator import generate
from .ids import customer_record_id
from .model import World
from .state import SimState


def _write_atomically(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, path)


def write_truth(world: World, folder: Path, web: Web) -> None:
    """Write ``truth.csv`` (one row per customer/contact record), ``web_clients.csv`` (one row per web client ID:
    the person it belongs to, or none for a shared tablet) and ``malformed.csv``."""
    rows = [
        (system, customer_record_id(system, r.seq), f"P{r.person.pid:07d}", f"H{r.person.household:07d}")
        for system, records in world.customers.items()
        for r in records
    ]
    _write_atomically(folder / "truth.csv", ("source_system", "source_record_id", "person_id", "household_id"), rows)
    households = {person.pid: person.household for person in world.people}
    clients = [
        (client, "" if pid is None else f"P{pid:07d}", "" if pid is None else f"H{households[pid]:07d}", kind)
        for client, pid, kind in web.clients()
    ]
    _write_atomically(folder / "web_clients.csv", ("client_id", "person_id", "household_id", "kind"), clients)
    _write_atomically(
        folder / "malformed.csv", ("source_system", "entity", "source_record_id", "defect"), world.malformed
    )


def buyers_in_days_ahead(state: SimState, days: int) -> set[tuple[str, str]]:
    """(source_system, source_record_id) of the customer records that place an order (not cancelled) in the `days`
    simulated days after `state.day`: what the customers do next, to judge predictions made at `state.day` by."""
    later = generate(SimState(state.seed, state.people, state.day + days))
    return {
        (system, customer_record_id(system, order.customer.seq))
        for system in ("square", "shopify")
        for order in later.orders[system]
        if order.customer is not None and order.created >= now_ts(state.day) and not order.cancelled
    }
