"""A chain with more locations than one Square orders search takes (ten): every location's orders are loaded once,
and the groups of ten are listed at the same time, not one after another, within the source's limit of requests in
flight (a chain with more groups than that limit too).

Square is played by a small server of this test: its locations, and orders/search filtered by location and by a range
of `updated_at` as Square documents it (start inclusive, end exclusive), paged by cursor, each listing page taking a
moment as over a wire. The server counts the requests in flight, the location groups they ask for, and the
one-record questions that find where a listing's records are.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dlt_sources.pipelines import make_pipeline
from dlt_sources.square import square_source
from dlt_sources.square.settings import LISTING_SLICES, LOCATIONS_PER_ORDER_SEARCH

# Three groups of ten (the slices shared among them), and ten groups (more than the source lists at once).
THREE_GROUPS, TEN_GROUPS = 25, 95
ORDERS_PER_LOCATION = 6
FIRST_ORDER = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
# A listing page's time on the wire: long enough for requests in flight together to overlap.
PAGE_SECONDS = 0.05


def _planted_orders(locations: list[str]) -> list[dict[str, Any]]:
    orders = []
    for number, location in enumerate(locations):
        for sequence in range(ORDERS_PER_LOCATION):
            at = FIRST_ORDER + timedelta(days=97 * sequence + number, minutes=number)
            stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            orders.append(
                {
                    "id": f"ORDER-{location}-{sequence}",
                    "location_id": location,
                    "state": "COMPLETED",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                    "total_money": {"amount": 1000 + sequence, "currency": "USD"},
                }
            )
    return orders


class _Square:
    """What the server serves, and what it saw: requests in flight and the location groups of the listings among
    them."""

    def __init__(self, locations: int) -> None:
        self.locations = [f"LOC{index:02d}" for index in range(locations)]
        self.orders = _planted_orders(self.locations)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.groups_listed: dict[tuple[str, ...], int] = {}
        self.most_groups_at_once = 0
        self.probes = 0

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        locations = set(body["location_ids"])
        if len(locations) > LOCATIONS_PER_ORDER_SEARCH:
            raise ValueError("orders/search takes at most ten locations")
        window = body["query"]["filter"]["date_time_filter"]["updated_at"]
        start = datetime.fromisoformat(window["start_at"])
        end = datetime.fromisoformat(window["end_at"]) if "end_at" in window else None
        matching = sorted(
            (
                order
                for order in self.orders
                if order["location_id"] in locations
                and start <= datetime.fromisoformat(order["updated_at"])
                and (end is None or datetime.fromisoformat(order["updated_at"]) < end)
            ),
            key=lambda order: (order["updated_at"], order["id"]),
        )
        offset = int(body.get("cursor") or 0)
        limit = int(body["limit"])
        answer: dict[str, Any] = {"orders": matching[offset : offset + limit]} if matching[offset:] else {}
        if offset + limit < len(matching):
            answer["cursor"] = str(offset + limit)
        return answer

    def handler(self) -> type[BaseHTTPRequestHandler]:
        square = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.startswith("/v2/locations"):
                    self._answer(200, {"locations": [{"id": location} for location in square.locations]})
                else:
                    self._answer(404, {"errors": [{"code": "NOT_FOUND"}]})

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if not self.path.startswith("/v2/orders/search"):
                    self._answer(404, {"errors": [{"code": "NOT_FOUND"}]})
                    return
                group = tuple(sorted(body["location_ids"]))
                listing = int(body["limit"]) > 1  # not the one-record questions that find where records are
                with square.lock:
                    square.in_flight += 1
                    square.most_in_flight = max(square.most_in_flight, square.in_flight)
                    square.probes += not listing
                    if listing:
                        square.groups_listed[group] = square.groups_listed.get(group, 0) + 1
                        groups_now = sum(1 for count in square.groups_listed.values() if count)
                        square.most_groups_at_once = max(square.most_groups_at_once, groups_now)
                try:
                    if listing:
                        time.sleep(PAGE_SECONDS)
                    self._answer(200, square.search(body))
                finally:
                    with square.lock:
                        square.in_flight -= 1
                        if listing:
                            square.groups_listed[group] -= 1

        return Handler


@pytest.fixture
def square(request: pytest.FixtureRequest) -> Iterator[tuple[_Square, str]]:
    served = _Square(request.param)
    server = ThreadingHTTPServer(("127.0.0.1", 0), served.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _loaded_within_the_limit(square: tuple[_Square, str], folder: Path) -> _Square:
    """Loads the served chain's orders with the source's pipeline into a warehouse in `folder`, checks that it holds
    exactly the planted orders and that no more requests were in flight than the source allows; the server."""
    served, base_url = square
    warehouse = folder / "warehouse.duckdb"
    pipeline = make_pipeline("square", warehouse, folder / "pipelines")
    source = square_source(base_url=base_url, access_token="test-token", loyalty=False).with_resources("orders")
    pipeline.run(source, loader_file_format="parquet")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = sorted(row[0] for row in con.execute("select id from raw_square.orders").fetchall())
    assert loaded == sorted(order["id"] for order in served.orders)
    assert served.most_in_flight <= LISTING_SLICES
    return served


@pytest.mark.parametrize("square", [THREE_GROUPS], indirect=True)
def test_a_chain_of_more_than_ten_locations_has_its_groups_listed_at_once_and_every_order_loaded_once(
    square: tuple[_Square, str], tmp_path: Path
) -> None:
    served = _loaded_within_the_limit(square, tmp_path)
    assert served.most_groups_at_once > 1, "the location groups were listed one after another"


@pytest.mark.parametrize("square", [TEN_GROUPS], indirect=True)
def test_a_chain_of_more_groups_than_slices_stays_within_the_requests_in_flight(
    square: tuple[_Square, str], tmp_path: Path
) -> None:
    """Each group is then listed whole, in one part: nothing to cut, so nothing asked to find where to cut."""
    assert _loaded_within_the_limit(square, tmp_path).probes == 0
