"""What the analytics copy may show of each column, read from the one place the project classifies personal data:
the `meta: {pii: ...}` of the dbt project's models and sources (its manifest).

A column's `pii` kind decides how it is published unless its `analytics` meta says otherwise:
- `email`, `phone`, `name`, `address`, `online_id` (an ID a device carries for its person: a web client's cookie
  ID): a keyed hash (joins and counts still work, the value cannot be read);
- `birth_date`: left out; `analytics: age_band` publishes an age as a ten-year band, `analytics: keep` a value that
  alone tells no birth date (the month);
- `record` (a raw record as the source sent it): left out;
- `free_text` (text that may quote what a person typed: a quarantine reason, an email tool's answer): published
  with quoted values, email addresses and phone-like numbers replaced by a marker;
- `none` or no `pii`: as it is.

Only tables the dbt project documents (a model, seed or source) are published: a table nobody classified may hold
anything. A model or source whose `meta: {published: false}` says so is left out too: the staging and intermediate
layers (dbt_project.yml), steps towards the marts that hold each source's records again, which analysts need not see
(data minimisation; they were two thirds of the copy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HASH, DROP, KEEP, AGE_BAND, REDACT = "hash", "drop", "keep", "age_band", "redact"
TREATMENTS = (HASH, DROP, KEEP, AGE_BAND, REDACT)
BY_KIND = {
    "email": HASH,
    "phone": HASH,
    "name": HASH,
    "address": HASH,
    "online_id": HASH,
    "birth_date": DROP,
    "record": DROP,
    "free_text": REDACT,
    "none": KEEP,
}
_DOCUMENTED = ("model", "seed", "snapshot", "source")


@dataclass(frozen=True)
class Classification:
    """The treatment of every classified column of every documented table, by (schema, table)."""

    tables: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    unpublished: frozenset[tuple[str, str]] = frozenset()  # documented, and left out of the analytics copy

    def documents(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

    def publishes(self, schema: str, table: str) -> bool:
        return self.documents(schema, table) and (schema, table) not in self.unpublished

    def treatment(self, schema: str, table: str, column: str) -> str:
        return self.tables.get((schema, table), {}).get(column, KEEP)


def load_classification(manifest_path: Path) -> Classification:
    """The classification in a dbt manifest (`target/manifest.json`, written by any dbt parse or build)."""
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {manifest_path}: it says what the analytics copy may show. "
            "Run `cdp run` (or `dbt parse` in dbt_project/) to write it."
        )
    return classification_of(json.loads(manifest_path.read_text(encoding="utf-8")))


def classification_of(manifest: Mapping) -> Classification:
    tables: dict[tuple[str, str], dict[str, str]] = {}
    unpublished: set[tuple[str, str]] = set()
    for node in [*manifest.get("nodes", {}).values(), *manifest.get("sources", {}).values()]:
        if node.get("resource_type") not in _DOCUMENTED:
            continue
        name = node.get("identifier") if node["resource_type"] == "source" else node.get("alias")
        key = (node["schema"], name or node["name"])
        columns = tables.setdefault(key, {})
        for column, doc in node.get("columns", {}).items():
            columns[column] = _treatment(f"{node['unique_id']}.{column}", doc.get("meta") or {})
        published = (node.get("meta") or {}).get("published", True)
        if not isinstance(published, bool):
            raise ValueError(f"{node['unique_id']}: meta published {published!r} is not true or false")
        if not published:
            unpublished.add(key)
    return Classification(tables, frozenset(unpublished))


def _treatment(where: str, meta: Mapping) -> str:
    kind = meta.get("pii")
    if kind is None:
        return KEEP
    if kind not in BY_KIND:
        raise ValueError(f"{where}: meta pii {kind!r} is not one of {', '.join(BY_KIND)}")
    treatment = meta.get("analytics", BY_KIND[kind])
    if treatment not in TREATMENTS:
        raise ValueError(f"{where}: meta analytics {treatment!r} is not one of {', '.join(TREATMENTS)}")
    return treatment
