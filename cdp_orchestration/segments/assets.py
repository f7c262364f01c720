"""Segment assets: the union of the segment models (dbt), then membership and history (Python), one asset per segment.

`segment_candidates` cannot `ref()` the segment models (dbt's graph is empty while it parses), so it is built in a
dbt step of its own whose Dagster dependencies on every segment model come from the manifest: it always runs after
them, and a new segment file joins the lineage without code.
"""

import time
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from cdp_orchestration.segments.catalog import is_segment_model, segments_in_manifest
from cdp_orchestration.segments.store import apply_candidates
from cdp_orchestration.settings import warehouse_path
from cdp_orchestration.transform.assets import dbt_step
from cdp_orchestration.transform.project import dbt_project
from cdp_orchestration.transform.translator import CdpDbtTranslator

CANDIDATES = AssetKey(["marts", "segment_candidates"])
MEMBERSHIP = AssetKey(["marts", "segment_membership"])
HISTORY = AssetKey(["marts", "segment_history"])
ID_HISTORY = AssetKey(["identity", "id_history"])
SEGMENT_UNION_SELECTION = "path:models/segment_union"
GROUP = "segments"

SEGMENTS = segments_in_manifest(dbt_project.manifest_path)


def segment_key(name: str) -> AssetKey:
    """The asset an export depends on to send segment `name`."""
    return AssetKey(["segments", name])


class SegmentUnionTranslator(CdpDbtTranslator):
    """Adds what dbt cannot know: segment_candidates reads every segment model."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.key != CANDIDATES:
            return spec
        project_name = manifest["metadata"].get("project_name") or "cdp"
        models = [node for node in manifest["nodes"].values() if is_segment_model(node, project_name)]
        return spec.merge_attributes(deps=[self.get_asset_key(node) for node in models])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return GROUP


dbt_segment_candidates = dbt_step("dbt_segment_candidates", SEGMENT_UNION_SELECTION, SegmentUnionTranslator())


def _run_as_of(con: duckdb.DuckDBPyConnection):
    return con.sql("select as_of_at from intermediate.int_run_as_of").fetchall()[0][0]


@multi_asset(
    specs=[
        AssetSpec(
            MEMBERSHIP,
            deps=[CANDIDATES, ID_HISTORY],
            group_name=GROUP,
            description="Who is in each segment now, and since when (as-of time of the run they entered).",
        ),
        AssetSpec(
            HISTORY,
            deps=[CANDIDATES, ID_HISTORY],
            group_name=GROUP,
            description="Every stay of a customer in a segment (entered_at, exited_at); kept through full refreshes.",
        ),
        *[
            AssetSpec(
                segment_key(segment.name),
                deps=[MEMBERSHIP],
                group_name=GROUP,
                description=segment.description,
                owners=[f"team:{segment.owner}"] if segment.owner else None,
                metadata={"dbt_model": segment.model},
            )
            for segment in SEGMENTS
        ],
    ],
    pool="warehouse",
)
def segment_membership(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
    started = time.perf_counter()
    with duckdb.connect(str(warehouse_path())) as con:
        as_of = _run_as_of(con)
        changes = apply_candidates(con, as_of)
    seconds = round(time.perf_counter() - started, 2)
    context.log.info(
        f"Segments as of {as_of}: {sum(changes.entered.values())} entries, {sum(changes.exited.values())} exits, "
        f"{changes.remapped} stays moved to surviving customer IDs"
    )
    total = sum(changes.members.values())
    yield MaterializeResult(asset_key=MEMBERSHIP, metadata={"members": total, "as_of": str(as_of), "seconds": seconds})
    yield MaterializeResult(
        asset_key=HISTORY,
        metadata={
            "entered": sum(changes.entered.values()),
            "exited": sum(changes.exited.values()),
            "remapped_after_merges": changes.remapped,
        },
    )
    for segment in SEGMENTS:
        yield MaterializeResult(
            asset_key=segment_key(segment.name),
            metadata={
                "size": changes.members.get(segment.name, 0),
                "entered": changes.entered.get(segment.name, 0),
                "exited": changes.exited.get(segment.name, 0),
            },
        )
