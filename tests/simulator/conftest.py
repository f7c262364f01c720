"""Fixtures and API walkers for the simulator tests (people=300 keeps them fast)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from simulator import running_simulator

PEOPLE = 300
SHOPIFY = "/admin/api/2024-07"
SHOPIFY_AUTH = {"X-Shopify-Access-Token": "test-token"}
BEARER = {"Authorization": "Bearer test-token"}


class Walker:
    """Reads every page of every API the way a careful client does, retrying on faults."""

    def __init__(self, base_url: str, retries: int = 0, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.retries = retries

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call; with retries, 429/5xx, timeouts and cut-short bodies are retried."""
        for attempt in range(self.retries + 1):
            try:
                response = self.http.request(method, url, **kwargs)
                if response.status_code in (429, 500, 503) and attempt < self.retries:
                    continue
                if response.status_code == 200 and response.content and attempt < self.retries:
                    self.body(response)
                return response
            except (httpx.TimeoutException, ValueError):
                if attempt == self.retries:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def body(response: httpx.Response) -> Any:
        """The JSON answer, which must be valid UTF-8 as the real services send it (RFC 8259)."""
        return orjson.loads(response.content)

    def shopify(self, resource: str, **params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        url: str | None = f"{SHOPIFY}/{resource}.json"
        query: dict[str, Any] | None = {"limit": 250, **params}
        while url:
            response = self.request("GET", url, params=query, headers=SHOPIFY_AUTH)
            assert response.status_code == 200, response.text
            records += self.body(response)[resource]
            url, query = response.links.get("next", {}).get("url"), None
        return records

    def square_customers(self, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.square_search("customers", "/v2/customers/search", body or {"limit": 100})

    def square_orders(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return self.square_search("orders", "/v2/orders/search", body)

    def square_search(self, key: str, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        return self._square_pages("POST", key, path, "json", body)

    def square_list(self, key: str, path: str, **params: Any) -> list[dict[str, Any]]:
        return self._square_pages("GET", key, path, "params", params)

    def _square_pages(self, method: str, key: str, path: str, where: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Every record of a Square listing; the cursor goes where the request's other arguments go."""
        records: list[dict[str, Any]] = []
        cursor = None
        while True:
            request = {where: {**args, **({"cursor": cursor} if cursor else {})}}
            response = self.request(method, path, headers=BEARER, **request)
            assert response.status_code == 200, response.text
            page = self.body(response)
            records += page.get(key, [])
            cursor = page.get("cursor")
            if not cursor:
                return records

    def hubspot_list(self, object_type: str, **params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        after = None
        while True:
            query = {"limit": 100, **params, **({"after": after} if after else {})}
            response = self.request("GET", f"/crm/v3/objects/{object_type}", params=query, headers=BEARER)
            assert response.status_code == 200, response.text
            page = self.body(response)
            records += page["results"]
            after = page.get("paging", {}).get("next", {}).get("after")
            if not after:
                return records

    def hubspot_search(self, object_type: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        after = "0"
        while after is not None:
            response = self.request(
                "POST",
                f"/crm/v3/objects/{object_type}/search",
                json={"limit": 200, **body, "after": after},
                headers=BEARER,
            )
            assert response.status_code == 200, response.text
            page = self.body(response)
            records += page["results"]
            after = page.get("paging", {}).get("next", {}).get("after")
        return records

    def email_events(self, **params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        offset = None
        while True:
            query = {"limit": 1000, **params, **({"offset": offset} if offset else {})}
            response = self.request("GET", "/email/public/v1/events", params=query, headers=BEARER)
            assert response.status_code == 200, response.text
            page = self.body(response)
            records += page["events"]
            if not page["hasMore"]:
                return records
            offset = page["offset"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdp_home")


@pytest.fixture(scope="module")
def simulator(home: Path) -> Iterator[Walker]:
    """A fault-free simulator of 300 people at day 0, in a background thread."""
    with running_simulator(home=home, people=PEOPLE, seed=7, faults=0.0, in_thread=True) as base_url:
        yield Walker(base_url)


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
