"""Talking to Shopify's GraphQL Admin API: queries paid from the cost bucket, pages, and bulk operations.

Every answer reports the bucket (`extensions.cost.throttleStatus`: points available, points regained a second). The
client waits, before sending, until the bucket holds what the query cost last time, and after a `THROTTLED` answer
until it holds what the query asks for: the limit is honoured, never hammered. Transport faults (429, 5xx, timeouts,
bodies cut short) are retried by the session (`common/http.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from dlt_sources.common.http import MAX_ATTEMPTS, MAX_RETRY_DELAY_SECONDS, checked_json, is_lossy
from dlt_sources.shopify.settings import BULK_POLL_SECONDS, BULK_TIMEOUT_SECONDS

# THROTTLED answers in a row after which the load gives up (each one is waited out first).
MAX_THROTTLED = 50
_DOWNLOAD_CHUNK = 1 << 20


class ShopifyQueryError(RuntimeError):
    """Shopify refused a query (its `errors`), or a bulk operation failed; the message carries Shopify's own."""


class QueryTooCostly(ShopifyQueryError):
    """The query asks for more than Shopify's single-query limit: a smaller page is needed."""


@dataclass
class Bucket:
    """What the last answer said about the cost bucket, and when."""

    available: float = float("inf")
    restore_rate: float = 0.0
    at: float = 0.0

    def now_available(self) -> float:
        if self.restore_rate <= 0:
            return self.available
        return self.available + (time.monotonic() - self.at) * self.restore_rate

    def wait_for(self, points: float, sleep: Callable[[float], None]) -> None:
        missing = points - self.now_available()
        if missing > 0 and self.restore_rate > 0:
            sleep(missing / self.restore_rate)


class ShopifyGraphQL:
    """One shop's GraphQL endpoint, with its access token, through a retrying session."""

    def __init__(
        self, session: requests.Session, endpoint: str, access_token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.session, self.endpoint, self.sleep = session, endpoint, sleep
        self.headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        self.bucket = Bucket()
        self._costs: dict[str, float] = {}
        self.throttled = 0  # THROTTLED answers met, for the run's report

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
        """(the `data` of the answer, whether its text was read leniently: `http.is_lossy`)."""
        in_a_row = 0
        while True:
            self.bucket.wait_for(self._costs.get(query, 0.0), self.sleep)
            response = self.session.post(
                self.endpoint, json={"query": query, "variables": variables or {}}, headers=self.headers
            )
            body = checked_json(response)
            cost = (body.get("extensions") or {}).get("cost") or {}
            self._observe(query, cost)
            errors = body.get("errors") or []
            codes = {((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}
            if "THROTTLED" in codes:
                self.throttled += 1
                in_a_row += 1
                if in_a_row > MAX_THROTTLED:
                    raise ShopifyQueryError(f"Shopify kept answering THROTTLED ({in_a_row} times in a row).")
                self.bucket.wait_for(float(cost.get("requestedQueryCost") or 0), self.sleep)
                continue
            if "MAX_COST_EXCEEDED" in codes:
                raise QueryTooCostly(_messages(errors))
            if errors or not isinstance(body.get("data"), dict):
                raise ShopifyQueryError(f"Shopify refused a query: {_messages(errors) or 'no data in the answer'}")
            return body["data"], is_lossy(response)

    def _observe(self, query: str, cost: dict[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        if "currentlyAvailable" in status:
            self.bucket = Bucket(
                float(status["currentlyAvailable"]), float(status.get("restoreRate") or 0), time.monotonic()
            )
        if cost.get("requestedQueryCost"):
            # Shopify runs a query only when the bucket holds what it asks for: wait for that before sending it again.
            self._costs[query] = float(cost["requestedQueryCost"])

    def pages(self, query: str, field: str, variables: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """The nodes of a root connection, page by page (`pageInfo { hasNextPage endCursor }`)."""
        after = None
        while True:
            data, lossy = self.execute(query, {**variables, "after": after})
            connection = data[field]
            yield connection["nodes"], lossy
            info = connection["pageInfo"]
            if not info["hasNextPage"]:
                return
            after = info["endCursor"]

    # ------------------------------------------------------------------ bulk operations
    def start_bulk(self, query: str) -> str:
        """Starts `query` as a bulk operation; its ID.

        Shopify runs one bulk query at a time per shop: one still running (another app's, or this loader's from a
        run that was killed) is waited for, then this one starts.
        """
        return self._start_bulk(query)

    def finished_bulk(self, operation: str) -> dict[str, Any]:
        """The bulk operation once it has completed (an operation that failed or was cancelled is an error)."""
        finished = self._wait_for_bulk(operation)
        if finished["status"] != "COMPLETED":
            raise ShopifyQueryError(
                f"Shopify's bulk operation {operation} ended {finished['status']} "
                f"(error code {finished.get('errorCode')}); the next run starts it again."
            )
        return finished

    def download_bulk(self, finished: dict[str, Any], folder: Path) -> Path | None:
        """A completed bulk operation's JSONL file, downloaded into `folder`; None when nothing matched."""
        if not finished.get("url"):
            return None
        path = folder / f"{str(finished['id']).rsplit('/', 1)[-1]}.jsonl"
        download(finished["url"], path, int(finished.get("fileSize") or 0), self.sleep)
        return path

    def _start_bulk(self, query: str) -> str:
        started = time.monotonic()
        while True:
            data, _ = self.execute(_RUN_BULK, {"query": query})
            payload = data["bulkOperationRunQuery"]
            errors = payload.get("userErrors") or []
            if not errors:
                return payload["bulkOperation"]["id"]
            if any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors):
                current, _ = self.execute(_CURRENT_BULK)
                running = current.get("currentBulkOperation")
                if running and running["status"] in ("CREATED", "RUNNING", "CANCELING"):
                    self._wait_for_bulk(running["id"])
                if time.monotonic() - started > BULK_TIMEOUT_SECONDS:
                    raise ShopifyQueryError("Another bulk operation kept running; try the load again later.")
                continue
            raise ShopifyQueryError(f"Shopify refused the bulk query: {_messages(errors)}")

    def _wait_for_bulk(self, operation: str) -> dict[str, Any]:
        delay, longest = BULK_POLL_SECONDS
        started = time.monotonic()
        while True:
            data, _ = self.execute(_POLL_BULK, {"id": operation})
            node = data.get("node") or {}
            if node.get("status") not in ("CREATED", "RUNNING", "CANCELING"):
                return node
            if time.monotonic() - started > BULK_TIMEOUT_SECONDS:
                raise ShopifyQueryError(f"Shopify's bulk operation {operation} did not finish in time.")
            self.sleep(delay)
            # A poll costs a point: a gently growing interval, capped so a finished file is not left waiting long.
            delay = min(longest, delay * 1.5)


class BulkExports:
    """The bulk operations of a source's first loads, run back to back: as soon as one has finished (Shopify runs
    one bulk query at a time), the next resource's starts, so the shop renders it while the finished file is read.

    `queries` are the resources' bulk queries in the order the source loads them; `wanted(name)` says whether a
    resource still needs its first load (the others load incrementally).
    """

    def __init__(self, client: ShopifyGraphQL, queries: dict[str, str], wanted: Callable[[str], bool]) -> None:
        self.client, self.queries, self.wanted = client, queries, wanted
        self._started: dict[str, str] = {}

    def file(self, name: str, folder: Path) -> Path | None:
        """The JSONL file of resource `name`'s bulk export (None: nothing matched), the next one started."""
        operation = self._started.get(name) or self.client.start_bulk(self.queries[name])
        self._started[name] = operation
        finished = self.client.finished_bulk(operation)
        names = list(self.queries)
        for later in names[names.index(name) + 1 :]:
            if later not in self._started and self.wanted(later):
                self._started[later] = self.client.start_bulk(self.queries[later])
                break
        return self.client.download_bulk(finished, folder)


def download(url: str, path: Path, size: int, sleep: Callable[[float], None] = time.sleep) -> None:
    """The file at `url` (a signed storage URL: no access token) into `path`, retried until it has `size` bytes.

    Streamed to disk: a bulk result can be larger than memory. A transient fault or a file cut short is retried with
    backoff; a refusal (403: the link expired, 404) is not.
    """
    failure: Exception | None = None
    with requests.Session() as session:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                sleep(min(MAX_RETRY_DELAY_SECONDS, 0.5 * 2**attempt))
            try:
                with session.get(url, stream=True, timeout=60) as response:
                    if response.status_code in (403, 404):
                        response.raise_for_status()
                    if response.status_code >= 400:
                        failure = requests.HTTPError(f"HTTP {response.status_code} for {url}", response=response)
                        continue
                    with path.open("wb") as out:
                        for chunk in response.iter_content(_DOWNLOAD_CHUNK):
                            out.write(chunk)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as error:
                failure = error
                continue
            if not size or path.stat().st_size == size:
                return
            failure = ShopifyQueryError(f"the bulk file arrived with {path.stat().st_size} of {size} bytes")
    raise ShopifyQueryError(f"Could not download Shopify's bulk file after {MAX_ATTEMPTS} attempts: {failure}")


def _messages(errors: list[Any]) -> str:
    return "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors)


_RUN_BULK = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""
_CURRENT_BULK = "query CurrentBulk { currentBulkOperation { id status } }"
_POLL_BULK = """
query PollBulk($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url }
  }
}"""
