"""The segments the project declares: one dbt model per segment under models/marts/segments/, read from the manifest.

Reading the manifest (not a Python list) is what lets a new segment be a new SQL file and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEGMENT_FOLDER = ["marts", "segments"]
MODEL_PREFIX = "seg_"


@dataclass(frozen=True)
class Segment:
    name: str
    model: str
    unique_id: str
    description: str
    owner: str | None


def is_segment_model(node: dict[str, Any], project_name: str) -> bool:
    """The same rule as models/segment_union/segment_candidates.sql: a model of the project's segments folder."""
    return (
        node.get("resource_type") == "model"
        and node.get("package_name") == project_name
        and node.get("fqn", [])[1:-1] == SEGMENT_FOLDER
    )


def segments_in_manifest(manifest_path: Path) -> list[Segment]:
    """Every declared segment, sorted by name; its name is `meta.segment`, else the model name without `seg_`."""
    manifest = json.loads(manifest_path.read_text())
    project_name = manifest["metadata"].get("project_name") or "cdp"
    found = []
    for unique_id, node in manifest["nodes"].items():
        if not is_segment_model(node, project_name):
            continue
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        found.append(
            Segment(
                name=meta.get("segment") or node["name"].removeprefix(MODEL_PREFIX),
                model=node["name"],
                unique_id=unique_id,
                description=node.get("description", ""),
                owner=meta.get("owner"),
            )
        )
    return sorted(found, key=lambda segment: segment.name)
