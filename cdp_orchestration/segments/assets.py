"""Segment assets: membership and history (kept by Python) from the segment models, and one asset per segment.

The segment models (dbt, tagged `segment`) are built with the marts; membership depends on each of them, so a new
segment file joins the lineage without code.
"""

from collections.abc import Iterator
from functools import cache

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec, MaterializeResult, multi_asset

from activation.segment_history import apply_segments, run_as_of
from cdp_orchestration.resources import WarehouseResource
from cdp_orchestration.segments.catalog import Segment, segments_in_manifest
from cdp_orchestration.transform.project import manifest

MEMBERSHIP = AssetKey(["marts", "segment_membership"])
HISTORY = AssetKey(["marts", "segment_history"])
ID_HISTORY = AssetKey(["identity", "id_history"])
GROUP = "segments"


@cache
def declared_segments() -> tuple[Segment, ...]:
    return tuple(segments_in_manifest(manifest()))


def segment_key(name: str) -> AssetKey:
    """The asset an export depends on to send segment `name`."""
    return AssetKey(["segments", name])


def model_key(segment: Segment) -> AssetKey:
    """The dbt model's asset (keys are `<schema>/<model>`, transform/translator.py)."""
    return AssetKey(["marts", segment.model])


@cache
def segment_membership() -> AssetsDefinition:
    segments = declared_segments()
    inputs = [*(model_key(segment) for segment in segments), ID_HISTORY]

    @multi_asset(
        name="segment_membership",
        specs=[
            AssetSpec(
                MEMBERSHIP,
                deps=inputs,
                group_name=GROUP,
                description="Who is in each segment now, and since when (as-of time of the run they entered).",
            ),
            AssetSpec(
                HISTORY,
                deps=inputs,
                group_name=GROUP,
                description="Every stay of a customer in a segment (entered_at, exited_at), kept through refreshes.",
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
                for segment in segments
            ],
        ],
        pool="warehouse",
    )
    def _membership(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
        with warehouse.connect() as con:
            as_of = run_as_of(con)
            changes = apply_segments(con, {segment.name: segment.relation for segment in segments}, as_of)
        context.log.info(
            f"Segments as of {as_of}: {sum(changes.entered.values())} entries, {sum(changes.exited.values())} exits, "
            f"{changes.remapped} stays moved to surviving customer IDs"
        )
        total = sum(changes.members.values())
        yield MaterializeResult(asset_key=MEMBERSHIP, metadata={"members": total, "as_of": str(as_of)})
        yield MaterializeResult(
            asset_key=HISTORY,
            metadata={
                "entered": sum(changes.entered.values()),
                "exited": sum(changes.exited.values()),
                "remapped_after_merges": changes.remapped,
            },
        )
        for segment in segments:
            yield MaterializeResult(
                asset_key=segment_key(segment.name),
                metadata={
                    "size": changes.members.get(segment.name, 0),
                    "entered": changes.entered.get(segment.name, 0),
                    "exited": changes.exited.get(segment.name, 0),
                },
            )

    return _membership
