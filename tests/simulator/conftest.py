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
SHOPIFY = "/admin/api/2025-01/graphql.json"
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

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A Shopify GraphQL answer that is no error (`data` and `extensions`)."""
        response = self.request("POST", SHOPIFY, json={"query": query, "variables": variables}, headers=SHOPIFY_AUTH)
        assert response.status_code == 200, response.text
        answer = self.body(response)
        assert not answer.get("errors"), answer
        return answer

    def shopify(
        self,
        connection: str,
        fields: str = "id",
        query: str | None = None,
        first: int = 250,
        sort_key: str = "ID",
    ) -> list[dict[str, Any]]:
        """Every node of a Shopify root connection, page by page (`pageInfo { hasNextPage endCursor }`)."""
        text = (
            f"query Page($first: Int!, $after: String, $query: String) {{ {connection}(first: $first, after: $after, "
            f"query: $query, sortKey: {sort_key}) {{ nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        )
        records: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.graphql(text, {"first": first, "after": after, "query": query})["data"][connection]
            records += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return records
            after = page["pageInfo"]["endCursor"]

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
