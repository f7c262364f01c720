"""One multi-asset per source system: the dlt load of its resources into `raw_<source>`."""

import time
from collections.abc import Iterator

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    RetryRequested,
    multi_asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, build_dlt_asset_specs
from dagster_dlt.translator import DltResourceTranslatorData

from cdp_orchestration.ingest.pipelines import (
    LOADER_FILE_FORMAT,
    SOURCE_FACTORIES,
    explain_http_failure,
    is_transient,
    make_pipeline,
    make_source,
    raw_schema,
    type_variants,
)
from cdp_orchestration.ingest.resources import SourceSystems, source_clock
from cdp_orchestration.privacy.retention import apply_retention
from cdp_orchestration.settings import SOURCES, warehouse_path
from dlt_sources.common.quarantine import QUARANTINE_TABLE

SOURCE_OUTAGE_RETRIES = 2
SOURCE_OUTAGE_WAIT = 30


class CdpDltTranslator(DagsterDltTranslator):
    """Asset keys read as the lineage: `dlt/<source>/<resource>`, in the `ingest` group."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=AssetKey(["dlt", data.resource.source_name, data.resource.name]),
            group_name="ingest",
            deps=[],
        )


def record_source_clock(source: str, observed_at, run_id: str) -> None:
    """Keeps the source's own time of this run; the models compute recency and lifecycle as of it."""
    with duckdb.connect(str(warehouse_path())) as con:
        con.execute("create schema if not exists meta")
        con.execute(
            "create table if not exists meta.source_clock "
            "(source_system varchar, observed_at timestamptz, run_id varchar, recorded_at timestamptz)"
        )
        con.execute("insert into meta.source_clock values (?, ?, ?, now())", [source, observed_at, run_id])


def quarantined_in_load(source: str, load_ids: list[str]) -> dict[str, int]:
    """Rows this load put in quarantine, per entity."""
    if not load_ids:
        return {}
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        tables = con.sql(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            params=[raw_schema(source), QUARANTINE_TABLE],
        ).fetchall()
        if not tables:
            return {}
        rows = con.execute(
            f"select entity, count(*) from {raw_schema(source)}.{QUARANTINE_TABLE} "
            f"where _dlt_load_id in (select unnest(?)) group by entity",
            [load_ids],
        ).fetchall()
    return dict(rows)


def build_source_assets(source: str) -> AssetsDefinition:
    factory = SOURCE_FACTORIES[source]

    resource_specs = build_dlt_asset_specs(
        dlt_source=factory(base_url="http://configured-at-run-time", access_token="-"),
        dlt_pipeline=make_pipeline(source),
        dagster_dlt_translator=CdpDltTranslator(),
    )
    # The quarantine table is written by every resource of the load: an asset of the same step.
    quarantine_key = AssetKey(["dlt", source, QUARANTINE_TABLE])
    quarantine_spec = AssetSpec(
        quarantine_key,
        group_name="ingest",
        description=f"Records of {source} rejected or flagged at load, with their reason and raw payload.",
        kinds={"dlt", "duckdb"},
    )

    @multi_asset(specs=[*resource_specs, quarantine_spec], name=f"load_{source}", pool="warehouse")
    def load(context: AssetExecutionContext, dlt: DagsterDltResource, sources: SourceSystems) -> Iterator:
        connection = sources.connection(source)
        record_source_clock(source, source_clock(connection), context.run.run_id)
        pipeline = make_pipeline(source)
        started = time.perf_counter()
        try:
            results = list(
                dlt.run(
                    context=context,
                    dlt_source=make_source(connection),
                    dlt_pipeline=pipeline,
                    dagster_dlt_translator=CdpDltTranslator(),
                    loader_file_format=LOADER_FILE_FORMAT,
                )
            )
        except Exception as error:
            explained = explain_http_failure(source, error)
            if explained:
                raise explained from error
            if is_transient(error):
                # The source outlasted the session's own retries (down for a minute): try the step again
                # later; dlt resumes from the last committed cursor, so no page is loaded twice.
                raise RetryRequested(max_retries=SOURCE_OUTAGE_RETRIES, seconds_to_wait=SOURCE_OUTAGE_WAIT) from error
            raise
        seconds = round(time.perf_counter() - started, 2)
        load_ids = list(pipeline.last_trace.last_load_info.loads_ids) if pipeline.last_trace else []
        quarantined = quarantined_in_load(source, load_ids)
        with duckdb.connect(str(warehouse_path())) as con:
            expired = apply_retention(con, source)
        if any(expired.values()):
            deleted = ", ".join(f"{n:,} rows of {t}" for t, n in expired.items())
            context.log.info(f"{source}: retention deleted {deleted}")
        variants = type_variants(pipeline)
        if variants:
            context.log.warning(f"{source}: fields changed type (kept in variant columns): {', '.join(variants)}")
        for result in results:
            entity = result.asset_key.path[-1]
            yield MaterializeResult(
                asset_key=result.asset_key,
                metadata={
                    **(result.metadata or {}),
                    "rows_quarantined": quarantined.get(entity, 0),
                    "rows_expired": sum(n for t, n in expired.items() if t.split(".")[-1].startswith(entity)),
                    "load_seconds": seconds,
                    "simulated_source": connection.simulated,
                    "type_changes": ", ".join(v for v in variants if v.split(".")[0].startswith(entity)) or "none",
                },
            )
        yield MaterializeResult(
            asset_key=quarantine_key,
            metadata={"rows_this_load": sum(quarantined.values()), "by_entity": str(dict(quarantined))},
        )

    return load


source_assets = [build_source_assets(source) for source in SOURCES]
