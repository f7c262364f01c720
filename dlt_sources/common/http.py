"""One HTTP session for every source: retries with backoff on 429, 5xx, timeouts and cut-off bodies.

dlt's `Client` already retries 429/5xx and honours `Retry-After`; what it cannot see is a 200 answer whose
JSON body was cut short, which would otherwise fail the whole load at `response.json()`. We retry those too.

JSON is UTF-8 (RFC 8259), but systems with a legacy encoding send other bytes in it. Left to itself, requests
then guesses an encoding for the whole page and silently garbles every non-ASCII character on it. Instead, every
page is read as UTF-8: orjson reads a valid page; a page it refuses (bytes that are not UTF-8, half a surrogate pair)
is read again with the undecodable bytes kept as surrogate escapes and marked `lossy`, and the screening step
(`quarantine.repair_texts`) replaces them by U+FFFD, flags the record and keeps its original bytes in quarantine.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import orjson
import requests
from dlt.sources.helpers.requests import Client
from requests.adapters import HTTPAdapter

# Enough attempts to ride out a burst of faults; the delay is capped so a load never stalls for minutes.
MAX_ATTEMPTS = 10
MAX_RETRY_DELAY_SECONDS = 10.0
# Connections kept open per host, as dlt's own transport does.
MAX_CONNECTIONS = 50


def body_is_cut_short(response: requests.Response | None, exception: BaseException | None) -> bool:
    """True for a successful JSON answer whose body does not end like a JSON document."""
    if response is None or not response.ok:
        return False
    if "json" not in response.headers.get("Content-Type", ""):
        return False
    body = response.content.rstrip()
    return bool(body) and body[-1:] not in (b"}", b"]")


def retrying_session(timeout_seconds: float = 30.0) -> requests.Session:
    """A `requests.Session` that retries transient faults; callers check the final status (`checked_json`)."""
    client = Client(
        request_timeout=timeout_seconds,
        request_max_attempts=MAX_ATTEMPTS,
        request_backoff_factor=0.5,
        request_max_retry_delay=MAX_RETRY_DELAY_SECONDS,
        exceptions=(requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError),
        retry_condition=body_is_cut_short,
        respect_retry_after_header=True,
        # The REST client raises on error statuses itself, after the retries; so do the direct calls.
        raise_for_status=False,
    )
    session = client.session
    adapter = JsonAsUtf8Adapter(pool_maxsize=MAX_CONNECTIONS)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def decode_json(body: bytes, **options: Any) -> tuple[Any, bool]:
    """(the JSON document in `body`, whether text in it may hold surrogate escapes of bytes that were not UTF-8)."""
    body = body.removeprefix(b"\xef\xbb\xbf")
    if not options:
        try:
            return orjson.loads(body), False
        except orjson.JSONDecodeError:
            pass  # not UTF-8, a lone surrogate escape, or not JSON at all: the lenient reader decides
    text = body.decode("utf-8", errors="surrogateescape")
    return json.loads(text, **options), True


class JsonAsUtf8Response(requests.Response):
    """A response whose JSON body is read as UTF-8, as RFC 8259 has it, whatever bytes it holds.

    Bytes that are not UTF-8 become surrogate escapes (U+DC80–U+DCFF) instead of making requests guess another
    encoding for the whole page; `lossy` says the page was read so.
    """

    lossy = False

    def json(self, **options: Any) -> Any:
        try:
            document, self.lossy = decode_json(self.content, **options)
        except json.JSONDecodeError as error:
            # The error `requests.Response.json` raises, which callers catch.
            raise requests.exceptions.JSONDecodeError(error.msg, error.doc, error.pos) from error
        return document


class JsonAsUtf8Adapter(HTTPAdapter):
    """dlt's transport, answering with `JsonAsUtf8Response`s (dlt's retries wrap the session around it)."""

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        response.__class__ = JsonAsUtf8Response
        return response


def checked_json(response: requests.Response) -> Any:
    """The JSON body of a final answer, or the HTTP error it carries."""
    response.raise_for_status()
    return response.json()


def is_lossy(response: requests.Response) -> bool:
    """True when the answer's JSON was read with surrogate escapes for bytes that were not UTF-8."""
    return bool(getattr(response, "lossy", False))


LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def refuse_plain_http(url: str) -> None:
    """Personal data leaves this machine only encrypted: plain `http://` is for loopback (the simulator) alone."""
    parsed = urlparse(url)
    if parsed.scheme == "http" and parsed.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"Refusing to send personal data over plain http to {parsed.hostname}: use https://.")
