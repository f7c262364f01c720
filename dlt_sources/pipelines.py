"""The dlt pipelines that load each source into its raw schema: of the DuckDB warehouse, or, for Spark, of a landing
folder of parquet files (CONTRACT §8)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dlt
from dlt import Pipeline
from dlt.destinations.exceptions import DatabaseException
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.sources import DltSource

from dlt_sources.common.duckdb_merge import key_by_key_duckdb
from dlt_sources.connections import FILE_SOURCES, Connection, causes
from dlt_sources.hubspot import hubspot_source
from dlt_sources.shopify import shopify_source
from dlt_sources.square import square_source
from dlt_sources.web import web_source

SOURCE_FACTORIES: dict[str, Callable[..., DltSource]] = {
    "shopify": shopify_source,
    "square": square_source,
    "hubspot": hubspot_source,
    "web": web_source,
}
SOURCES = tuple(SOURCE_FACTORIES)
# The sources yield arrow tables, which dlt writes as parquet without normalising them record by record.
LOADER_FILE_FORMAT = "parquet"
# dlt stamps rows it normalises itself with their load (`_dlt_load_id`, which staging reads as `load_id`), but not rows
# that arrive as arrow tables unless asked to.
dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
# A load's jobs go into the warehouse one at a time, and the first that fails stops the load. dlt's defaults (20 jobs
# at once, each failed job tried again up to 5 times in the same process) made DuckDB run out of its budget at 100,000
# people with every copy held in memory at once, and a job tried again after DuckDB failed mid-commit left a table's
# columns corrupted (every web event twice, found only by the next checkpoint). A stopped load is resumed by the
# next run, in a fresh process: the rows already merged are merged again, not added.
dlt.config["load.workers"] = 1
dlt.config["load.raise_on_max_retries"] = 1
# DuckDB merging a load into the warehouse: within a budget (it spills to disk beyond it; left alone it takes most of
# the machine's memory for a large first load), and free to insert in any order (a merge needs none). 384 MB keeps a
# first load of 100,000 customers under 1 GB in all, at no cost in time measured (512 MB went over). A larger load,
# or a wider one, may need more: CDP_LOAD_MEMORY (a DuckDB size, "1GB").
LOAD_MEMORY_SETTING = "CDP_LOAD_MEMORY"
DEFAULT_LOAD_MEMORY = "384MB"


def load_settings() -> dict[str, str | bool]:
    """The DuckDB settings of a load into the warehouse: its memory budget (CDP_LOAD_MEMORY, else 384 MB)."""
    return {"memory_limit": os.environ.get(LOAD_MEMORY_SETTING, DEFAULT_LOAD_MEMORY), "preserve_insertion_order": False}


class WarehouseLoadError(RuntimeError):
    """The warehouse refused a load's rows: the load stopped, and says what to do."""


def explain_load_failure(source: str, error: BaseException) -> WarehouseLoadError | None:
    """A readable error for a load the warehouse could not take, found anywhere in dlt's exception chain."""
    cause = next((cause for cause in causes(error) if isinstance(cause, DatabaseException)), None)
    if cause is None:
        return None
    reason = str(cause).splitlines()[0]
    if "Out of Memory" in reason or "could not allocate" in reason:
        advice = (
            f"DuckDB ran out of the memory a load may use ({load_settings()['memory_limit']}): set "
            f'{LOAD_MEMORY_SETTING} higher ("1GB") and run again.'
        )
    else:
        advice = "Run again: the load resumes with the rows that were not written."
    return WarehouseLoadError(
        f"The warehouse could not take {source}'s load ({reason}). The load stopped at its first failure, so no row "
        f"is written twice and the rows loaded before are kept. {advice}"
    )


def raw_schema(source: str) -> str:
    return f"raw_{source}"


def make_pipeline(source: str, warehouse: Path, pipelines_dir: Path, landing: Path | None = None) -> Pipeline:
    """The pipeline of one source; its state (incremental cursors) lives in the destination and in `pipelines_dir`.

    Into the DuckDB file `warehouse`, merged on keys; or, given `landing` (the Spark engine's), as parquet files under
    `landing/raw_<source>/<table>/<load id>.<file id>.parquet`. Plain parquet has no merge: dlt appends each load's
    rows, stamped with their load ID, and `landed_tables` says how to read them back as the merge would have left
    them (`warehouse/landing.py`)."""
    if landing is not None:
        destination = dlt.destinations.filesystem(
            bucket_url=str(landing), layout="{table_name}/{load_id}.{file_id}.{ext}"
        )
    else:
        destination = key_by_key_duckdb(DuckDbCredentials(str(warehouse), global_config=load_settings()))
    return dlt.pipeline(
        pipeline_name=f"cdp_{source}",
        destination=destination,
        dataset_name=raw_schema(source),
        pipelines_dir=str(pipelines_dir),
    )


@dataclass(frozen=True)
class LandedTable:
    """A table a load lands as appended files, and the keys dlt's merge would have replaced its rows by."""

    dataset: str
    name: str
    write_disposition: str
    primary_key: tuple[str, ...]
    # A child table's parent: a parent loaded again replaces all of its children (a line item gone is gone).
    merge_key: tuple[str, ...]


def landed_tables(pipeline: Pipeline) -> list[LandedTable]:
    """The data tables of `pipeline`'s schema with their write disposition and merge keys, as its loads declared."""
    return [
        LandedTable(
            pipeline.dataset_name,
            table["name"],
            table.get("write_disposition", "append"),
            tuple(c for c, hints in table["columns"].items() if hints.get("primary_key")),
            tuple(c for c, hints in table["columns"].items() if hints.get("merge_key")),
        )
        for table in pipeline.default_schema.data_tables()
    ]


def make_source(connection: Connection, request_timeout: float = 30.0) -> DltSource:
    """The dlt source of `connection`'s system, reading from its base URL with its credential (a file source from its
    bucket URL, with the credentials dlt finds for it)."""
    if connection.source in FILE_SOURCES:
        return SOURCE_FACTORIES[connection.source](bucket_url=connection.base_url)
    return SOURCE_FACTORIES[connection.source](
        base_url=connection.base_url, access_token=connection.access_token, request_timeout=request_timeout
    )


def type_variants(pipeline: Pipeline) -> list[str]:
    """Columns dlt had to split because a field arrived with another type than before (`col__v_<type>`)."""
    return sorted(
        f"{table['name']}.{column}"
        for table in pipeline.default_schema.data_tables()
        for column in table["columns"]
        if "__v_" in column
    )
