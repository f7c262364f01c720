"""Segments: what each is (from the dbt project), how big it has been, who came and went last night, where it goes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from activation import Destination, load_destinations
from cdp_orchestration.console.analytics import rows
from cdp_orchestration.segments.catalog import Segment, segments_in_manifest


@cache
def declared_segments() -> dict[str, Segment]:
    """The segments the dbt project declares, read once from its manifest (parsed first if a clone has none)."""
    from cdp_orchestration.transform.project import manifest  # imports dagster-dbt: only when first needed

    return {s.name: s for s in segments_in_manifest(manifest())}


@dataclass
class SegmentView:
    name: str
    declared: Segment | None  # None: in the warehouse's history but no longer a model of the project
    members: int
    entered: int  # last night
    exited: int
    destinations: list[Destination]
    sizes: list[dict[str, Any]]
    sent_last_night: list[dict[str, Any]]


def segment_overview(cursor: duckdb.DuckDBPyConnection) -> list[SegmentView]:
    """Every segment, declared or with history, with its size and last night's entries and exits."""
    counts = {
        r["segment"]: r
        for r in rows(
            cursor,
            """with as_of as (select max(as_of_at) as as_of_at from intermediate.int_run_as_of)
               select segment, count(*) filter (where exited_at is null) as members,
                      count(*) filter (where entered_at = (select as_of_at from as_of)) as entered,
                      count(*) filter (where exited_at = (select as_of_at from as_of)) as exited
               from marts.segment_history group by segment""",
        )
    }
    destinations = load_destinations()
    declared = declared_segments()
    return [
        SegmentView(
            name=name,
            declared=declared.get(name),
            members=counts.get(name, {}).get("members", 0),
            entered=counts.get(name, {}).get("entered", 0),
            exited=counts.get(name, {}).get("exited", 0),
            destinations=[d for d in destinations if name in d.segments],
            sizes=[],
            sent_last_night=[],
        )
        for name in sorted(set(declared) | set(counts))
    ]


def segment_detail(cursor: duckdb.DuckDBPyConnection, name: str) -> SegmentView | None:
    found = next((s for s in segment_overview(cursor) if s.name == name), None)
    if found is None:
        return None
    found.sizes = rows(
        cursor, "select day, members from marts.segment_sizes_daily where segment = ? order by day", [name]
    )
    found.sent_last_night = rows(
        cursor,
        """select destination, action, status, count(*) as records from marts.export_log
           where segment = ? and run_id = (select run_id from exports.syncs order by started_at desc limit 1)
           group by all order by all""",
        [name],
    )
    return found
