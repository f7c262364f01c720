"""The segments the project declares: the dbt models tagged `segment`, read from the manifest.

The tag is the one definition of what a segment is, set for the folder models/marts/segments/ in dbt_project.yml
(`dbt ls --select tag:segment` lists the same models). A new segment is a new SQL file and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SEGMENT_TAG = "segment"
MODEL_PREFIX = "seg_"
# Segment names become tags in email tools, file names and SQL literals.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Segment:
    name: str
    model: str
    unique_id: str
    relation: str  # schema.alias of the model's table in the warehouse
    description: str
    owner: str | None
    sql: str = ""  # the model's dbt SQL, as written
    holdout_pct: float = 0.0  # meta.holdout_pct: the share of members kept back to measure the campaign
    one_per_household: bool = False  # meta.one_per_household: one recipient per household


def is_segment_model(node: dict[str, Any]) -> bool:
    return node.get("resource_type") == "model" and SEGMENT_TAG in (node.get("tags") or [])


def segments_in_manifest(manifest: Mapping[str, Any]) -> list[Segment]:
    """Every declared segment of a parsed dbt project, sorted by name; its name is `meta.segment`, else the model name
    without `seg_`."""
    found = []
    for unique_id, node in manifest["nodes"].items():
        if not is_segment_model(node):
            continue
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        name = meta.get("segment") or node["name"].removeprefix(MODEL_PREFIX)
        if not _NAME.match(name):
            raise ValueError(f"segment model {node['name']}: name {name!r} must be lower-case letters, digits and _")
        found.append(
            Segment(
                name=name,
                model=node["name"],
                unique_id=unique_id,
                relation=f'"{node["schema"]}"."{node.get("alias") or node["name"]}"',
                description=node.get("description", ""),
                owner=meta.get("owner"),
                sql=node.get("raw_code", ""),
                holdout_pct=float(meta.get("holdout_pct") or 0),
                one_per_household=bool(meta.get("one_per_household")),
            )
        )
    return sorted(found, key=lambda segment: segment.name)
