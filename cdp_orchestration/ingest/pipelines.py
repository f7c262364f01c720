"""The dlt pipelines that load each source into its raw schema of the warehouse."""

from __future__ import annotations

from collections.abc import Callable

import dlt
import requests
from dlt.extract.source import DltSource
from dlt.pipeline.pipeline import Pipeline

from cdp_orchestration.ingest.resources import Connection, SourceConfigurationError
from cdp_orchestration.settings import pipelines_dir, warehouse_path
from dlt_sources.hubspot import hubspot_source
from dlt_sources.shopify import shopify_source
from dlt_sources.square import square_source

SOURCE_FACTORIES: dict[str, Callable[..., DltSource]] = {
    "shopify": shopify_source,
    "square": square_source,
    "hubspot": hubspot_source,
}
# dlt's JSON-to-parquet path: several times faster than its default insert statements (shared/STACK.md).
LOADER_FILE_FORMAT = "parquet"


def raw_schema(source: str) -> str:
    return f"raw_{source}"


def make_pipeline(source: str) -> Pipeline:
    """The pipeline of one source; its state (incremental cursors) lives in the warehouse and under CDP_HOME."""
    return dlt.pipeline(
        pipeline_name=f"cdp_{source}",
        destination=dlt.destinations.duckdb(str(warehouse_path())),
        dataset_name=raw_schema(source),
        pipelines_dir=str(pipelines_dir()),
    )


def make_source(connection: Connection, request_timeout: float = 30.0) -> DltSource:
    """The source's dlt source, screened so people erased with `cdp forget` land in quarantine, not in profiles."""
    from cdp_orchestration.privacy.screen import screen_source

    source = SOURCE_FACTORIES[connection.source](
        base_url=connection.base_url, access_token=connection.access_token, request_timeout=request_timeout
    )
    return screen_source(source, connection.source)


def explain_http_failure(source: str, error: BaseException) -> SourceConfigurationError | None:
    """A readable error for a refused credential or a wrong URL, found anywhere in dlt's exception chain."""
    cause: BaseException | None = error
    while cause is not None:
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
        cause = cause.__cause__ or cause.__context__
    return None


def is_transient(error: BaseException) -> bool:
    """True when dlt failed because the source kept timing out, dropping connections or answering 5xx/429."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, requests.ConnectionError | requests.Timeout):
            return True
        if isinstance(cause, requests.HTTPError) and cause.response is not None:
            return cause.response.status_code == 429 or cause.response.status_code >= 500
        cause = cause.__cause__ or cause.__context__
    return False


def type_variants(pipeline: Pipeline) -> list[str]:
    """Columns dlt had to split because a field arrived with another type than before (`col__v_<type>`)."""
    return sorted(
        f"{table['name']}.{column}"
        for table in pipeline.default_schema.data_tables()
        for column in table["columns"]
        if "__v_" in column
    )
