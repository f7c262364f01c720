"""One multi-asset per source system: the dlt load of its resources into `raw_<source>`."""

import time
from collections.abc import Iterator
from pathlib import Path

import dlt
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

from cdp_orchestration.resources import SourceSystems, WarehouseResource
from dlt_sources.common.quarantine import QUARANTINE_TABLE
from dlt_sources.common.upgrade import carry_over_history, reload_for_new_layout, upgrade_raw_tables
from dlt_sources.connections import Connection, explain_http_failure, is_transient, source_clock
from dlt_sources.pipelines import (
    LOADER_FILE_FORMAT,
    SOURCES,
    explain_load_failure,
    landed_tables,
    make_pipeline,
    make_source,
    raw_schema,
    type_variants,
)
from privacy import apply_retention_landed, finish_stopped_rewrites
from privacy.retention import apply_retention, drop_loaded_packages
from privacy.screen import screen_source
from warehouse import cdp_home, pipelines_dir, warehouse_path
from warehouse.landing import landed_files, landing_dir, register
from warehouse.loads import quarantined_in_load, record_load, record_source_clock
from warehouse.spark import claim_home, engine, session

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


def build_source_assets(source: str) -> AssetsDefinition:
    placeholder = Connection(source, "http://configured-at-run-time", "-", simulated=True)
    resource_specs = build_dlt_asset_specs(
        dlt_source=make_source(placeholder),
        dlt_pipeline=make_pipeline(source, warehouse_path(), pipelines_dir()),
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
    def load(
        context: AssetExecutionContext, dlt: DagsterDltResource, sources: SourceSystems, warehouse: WarehouseResource
    ) -> Iterator:
        claim_home()  # a home keeps its raw data on one engine (`dagster dev` comes here without `cdp run`)
        connection = sources.connection(source)
        observed_at = source_clock(connection)
        # On Spark each load lands files of its own (warehouse/landing.py): the bookkeeping stays in the store.
        landing = landing_dir() if engine() == "spark" else None
        with warehouse.connect() as con:
            if observed_at is not None:  # a landing folder without files yet has no clock
                record_source_clock(con, source, observed_at, context.run.run_id)
            if landing is None:
                upgrade_raw_tables(con, raw_schema(source))
            else:
                # A forget stopped after it took effect leaves its file rewrites staged: in place before Spark reads.
                finish_stopped_rewrites(con, cdp_home())
        pipeline = make_pipeline(source, warehouse_path(), pipelines_dir(), landing=landing)
        # Landed files need no upgrade: a load's files keep the layout they were written in, and a column a later
        # load adds reads as null in earlier ones.
        reload = reload_for_new_layout(pipeline, warehouse.connect) if landing is None else None
        if reload:
            context.log.warning(reload.message())
        started = time.perf_counter()
        try:
            results = list(
                dlt.run(
                    context=context,
                    # People erased with `cdp forget` land in quarantine, not in profiles.
                    dlt_source=screen_source(make_source(connection), source),
                    dlt_pipeline=pipeline,
                    dagster_dlt_translator=CdpDltTranslator(),
                    loader_file_format=LOADER_FILE_FORMAT,
                )
            )
        except Exception as error:
            explained = explain_http_failure(source, error) or explain_load_failure(source, error)
            if explained:
                raise explained from error
            if is_transient(error):
                # The source outlasted the session's own retries (down for a minute): try the step again
                # later; dlt resumes from the last committed cursor, so no page is loaded twice.
                raise RetryRequested(max_retries=SOURCE_OUTAGE_RETRIES, seconds_to_wait=SOURCE_OUTAGE_WAIT) from error
            raise
        seconds = round(time.perf_counter() - started, 2)
        load_ids = list(pipeline.last_trace.last_load_info.loads_ids) if pipeline.last_trace else []
        rows_loaded = sum(int(r.metadata["rows_loaded"].value) for r in results if "rows_loaded" in (r.metadata or {}))
        with warehouse.connect() as con:
            if landing is None:
                carried = carry_over_history(con, raw_schema(source))
                quarantined = quarantined_in_load(con, raw_schema(source), QUARANTINE_TABLE, load_ids)
                expired = apply_retention(con)
            else:
                carried = {}
                landed = landed_files(landing, raw_schema(source), QUARANTINE_TABLE)
                quarantined = quarantined_in_load(con, raw_schema(source), QUARANTINE_TABLE, load_ids, landed)
                expired = apply_retention_landed(con, landing)
                register_landed(pipeline, landing)
            record_load(con, source, context.run.run_id, rows_loaded, sum(quarantined.values()))
        # Loaded: the raw payloads dlt keeps on disk serve nothing now, and retention could not reach them there.
        drop_loaded_packages(pipelines_dir())
        if carried:
            rows = ", ".join(f"{t} {n:,}" for t, n in carried.items())
            context.log.warning(f"{source}: reloaded in full; rows of its history carried over into it: {rows}")
        if reload and reload.kept:
            context.log.warning(reload.kept_message())
        if any(expired.values()):
            deleted = ", ".join(f"{n:,} rows of {t}" for t, n in expired.items() if n)
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
                    "rows_expired": sum(
                        n for t, n in expired.items() if t.startswith(f"{raw_schema(source)}.{entity}")
                    ),
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


def register_landed(pipeline: dlt.Pipeline, landing: Path) -> None:
    """Each raw table of `pipeline` on Spark as a view of its landed files (as dlt's merge would have left them)."""
    spark = session()
    # The schema as the load saved it: the object Dagster's dlt resource ran holds only part of it after the run.
    saved = dlt.attach(pipeline.pipeline_name, pipelines_dir=pipeline.pipelines_dir)
    for table in landed_tables(saved):
        register(spark, landing, table.dataset, table.name, table.primary_key, table.merge_key)


def source_assets() -> list[AssetsDefinition]:
    return [build_source_assets(source) for source in SOURCES]
