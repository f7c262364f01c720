"""Faults never change the data; a running server follows the simulated clock and waits a wire's round trip when
asked."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from simulator import advance_day, running_simulator
from tests.simulator.conftest import BEARER, PEOPLE, SHOPIFY, SHOPIFY_AUTH, Walker, wait_for


def _everything(sim: Walker) -> dict[str, list]:
    locations = [loc["id"] for loc in sim.request("GET", "/v2/locations", headers=BEARER).json()["locations"]]
    return {
        "shopify_customers": sim.shopify("customers", "id updatedAt email emailMarketingConsent { marketingState }"),
        "shopify_orders": sim.shopify("orders", "id updatedAt totalPriceSet { shopMoney { amount } }"),
        "square_customers": sim.square_customers(),
        "square_orders": sim.square_orders({"location_ids": locations, "limit": 1000}),
        "hubspot_contacts": sim.hubspot_list("contacts"),
        "email_events": sim.email_events(),
    }


def test_faults_do_not_change_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDP_FAULT_TIMEOUT_SECONDS", "0.6")
    with running_simulator(home=tmp_path / "clean", people=PEOPLE, seed=11, faults=0.0, in_thread=True) as url:
        expected = _everything(Walker(url))
    with running_simulator(home=tmp_path / "faulty", people=PEOPLE, seed=11, faults=0.3, in_thread=True) as url:
        raw = httpx.post(f"{url}{SHOPIFY}", json={"query": "{ shop { name } }"}, headers=SHOPIFY_AUTH)
        seen = {raw.status_code}
        for _ in range(40):
            try:
                seen.add(httpx.get(f"{url}/v2/locations", headers=BEARER, timeout=0.4).status_code)
            except httpx.TimeoutException:
                seen.add("timeout")
        assert seen - {200}, "some requests fail"
        assert _everything(Walker(url, retries=30, timeout=0.4)) == expected


def test_server_follows_the_simulated_clock(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with running_simulator(home=home, people=PEOPLE, seed=5, faults=0.0, in_thread=True) as url:
        sim = Walker(url)
        before = sim.shopify("orders")
        customers_before = sim.square_customers()
        truth_before = (home / "simulator" / "truth.csv").read_text()
        advance_day(2, home=home)

        def moved() -> bool:
            date = sim.request("GET", "/v2/locations", headers=BEARER).headers["date"]
            return parsedate_to_datetime(date).isoformat() == "2026-06-03T02:00:00+00:00"

        wait_for(moved)
        after = sim.shopify("orders")
        customers_after = sim.square_customers()
        assert len(after) > len(before)
        assert {o["id"] for o in before} <= {o["id"] for o in after}
        assert len(customers_after) >= len(customers_before)
        assert max(c["updated_at"] for c in customers_after) > max(c["updated_at"] for c in customers_before)
        recent = sim.shopify("customers", query="updated_at:>='2026-06-01T02:00:00Z'")
        assert recent, "profile edits and sign-ups show up in an incremental load"
        assert (home / "simulator" / "truth.csv").read_text() != truth_before


def test_subprocess_mode_serves(tmp_path: Path) -> None:
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0) as url:
        response = httpx.get(f"{url}/v2/locations", headers=BEARER)
        assert response.status_code == 200


def test_answers_wait_the_round_trip_asked_for_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latency, in_flight = 0.25, 8
    monkeypatch.setenv("CDP_SIM_LATENCY_MS", str(int(latency * 1000)))
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:

        def timed_request(_: int) -> float:
            started = time.perf_counter()
            assert httpx.get(f"{url}/v2/locations", headers=BEARER).status_code == 200
            return time.perf_counter() - started

        assert timed_request(0) >= latency
        started = time.perf_counter()
        with ThreadPoolExecutor(in_flight) as pool:
            each = list(pool.map(timed_request, range(in_flight)))
        together = time.perf_counter() - started
    assert min(each) >= latency
    # One after another they would take in_flight round trips; on a real wire requests in flight wait together.
    assert together < in_flight * latency / 2, each
