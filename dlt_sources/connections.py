"""Where each source system and API destination is reached: its configured URL and credential (the dlt way).

A source whose `base_url` is not configured is served by the bundled simulator; which one that is, the caller
decides. A file source (events a collector lands in a folder or bucket) is configured by its `bucket_url` instead,
with dlt's filesystem credentials when the bucket needs them. Errors name the setting to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import dlt
import requests

from dlt_sources.common.cursor import date_header
from dlt_sources.web.helpers import landing_filesystem, latest_file_time
from dlt_sources.web.settings import FILE_GLOB

# Sources read from files in a folder or bucket, not from an API: their `base_url` is the bucket URL.
FILE_SOURCES = frozenset({"web"})


class SourceConfigurationError(RuntimeError):
    """A source is configured wrongly, unreachable or refuses its credential; the message says what to fix."""


@dataclass(frozen=True)
class Connection:
    source: str
    base_url: str  # a file source's bucket URL (its credentials, if any, are dlt's `sources.<name>.credentials`)
    access_token: str
    simulated: bool


def _configured(section: str, name: str, secret: str) -> Connection | None:
    """`<section>.<name>.base_url` and its secret, configured the dlt way; None when no base URL is set."""
    base_url = dlt.config.get(f"{section}.{name}.base_url")
    if not base_url:
        return None
    credential = dlt.secrets.get(f"{section}.{name}.{secret}")
    if not credential:
        raise SourceConfigurationError(
            f"{section}.{name}.base_url is set to {base_url} but {section}.{name}.{secret} is not. "
            f"Put it in .dlt/secrets.toml under [{section}.{name}] or in "
            f"{section.upper()}__{name.upper()}__{secret.upper()}, or unset the base URL to use the simulator."
        )
    return Connection(name, str(base_url).rstrip("/"), str(credential), simulated=False)


def configured_connection(source: str) -> Connection | None:
    """The source system configured in `sources.<source>` (base_url and access_token; a file source's bucket_url), or
    None."""
    if source in FILE_SOURCES:
        bucket_url = dlt.config.get(f"sources.{source}.bucket_url")
        return Connection(source, str(bucket_url), "", simulated=False) if bucket_url else None
    return _configured("sources", source, "access_token")


def configured_destination(destination: str) -> Connection | None:
    """The API destination configured in `destinations.<name>` (base_url, api_key), or None."""
    return _configured("destinations", destination, "api_key")


def source_clock(connection: Connection, timeout_seconds: float = 15.0) -> datetime | None:
    """The source's own time, from the HTTP `Date` header of its answer (the wall clock if it sends none); a file
    source's is when its newest file was written (None while it holds none: no clock rather than the machine's).

    Also the reachability check: an unreachable source stops the run here with a message that says so.
    """
    if connection.source in FILE_SOURCES:
        return _landing_clock(connection)
    try:
        response = requests.get(connection.base_url, timeout=timeout_seconds)
    except requests.RequestException as error:
        raise SourceConfigurationError(
            f"The {connection.source} source at {connection.base_url} cannot be reached ({type(error).__name__}). "
            f"Check sources.{connection.source}.base_url and the network, or unset it to use the simulator."
        ) from error
    return date_header(response) or datetime.now(UTC)


def _landing_clock(connection: Connection) -> datetime | None:
    setting = f"sources.{connection.source}.bucket_url"
    try:
        fs = landing_filesystem(connection.base_url, connection.source)
        if not fs.exists(connection.base_url):
            raise FileNotFoundError(connection.base_url)
        return latest_file_time(fs, connection.base_url, FILE_GLOB)
    except Exception as error:  # fsspec's errors differ by backend: any of them means the folder cannot be read
        raise SourceConfigurationError(
            f"The {connection.source} source's landing folder {connection.base_url} cannot be read "
            f"({type(error).__name__}: {error}). Check {setting} (and sources.{connection.source}.credentials for a "
            "bucket), or unset it to use the simulator."
        ) from error


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception behind it (dlt wraps what failed in its own step and job errors)."""
    cause: BaseException | None = error
    while cause is not None:
        yield cause
        cause = cause.__cause__ or cause.__context__


def explain_http_failure(source: str, error: BaseException) -> SourceConfigurationError | None:
    """A readable error for a refused credential or a wrong URL, found anywhere in dlt's exception chain."""
    for cause in causes(error):
        if isinstance(cause, requests.HTTPError) and cause.response is not None:
            status = cause.response.status_code
            if status in (401, 403):
                return SourceConfigurationError(
                    f"The {source} source refused its access token (HTTP {status}). "
                    f"Set a valid token in sources.{source}.access_token (.dlt/secrets.toml or "
                    f"SOURCES__{source.upper()}__ACCESS_TOKEN)."
                )
            if status == 404:
                return SourceConfigurationError(
                    f"The {source} source answered 404 for {cause.response.url}. "
                    f"Check sources.{source}.base_url: it should be the service's root URL."
                )
    return None


def is_transient(error: BaseException) -> bool:
    """True when dlt failed because the source kept timing out, dropping connections or answering 5xx/429."""
    for cause in causes(error):
        if isinstance(cause, requests.ConnectionError | requests.Timeout):
            return True
        if isinstance(cause, requests.HTTPError) and cause.response is not None:
            return cause.response.status_code == 429 or cause.response.status_code >= 500
    return False
