"""Reading a bulk operation's JSONL file: records and their line items, which come on lines of their own.

Shopify puts a connection's nodes after their parent, not always right after, and a bad line rejects its order: the
file is read twice, the line items first (screened, their findings kept by order), then the records. The file is
parsed by arrow's JSON reader straight into columns of the documented types (`tables.json_schema`), no Python object
per line; a file holding anything else (a value of another type than documented, bytes that are not UTF-8) is read
record by record instead, through the same checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from dlt_sources.common.http import decode_json
from dlt_sources.common.pages import (
    DLT_PARENT_ID,
    Child,
    ChildFindings,
    Entity,
    PageLoader,
    child_lists,
    hinted_child,
)
from dlt_sources.common.tables import json_schema, valid_text
from dlt_sources.shopify.settings import BULK_BATCH, BULK_BLOCK_BYTES

PARENT = "__parentId"
_PARENT_KEY = b'"__parentId"'
# How Shopify writes a child's link (compact JSON; quotes inside a string value are escaped, so this text can only be
# the key itself): such a line is a child without decoding it.
_CHILD_LINK = b'"__parentId":"gid:'


def load_file(path: Path, entity: Entity, apart: Child | None, loader: PageLoader) -> Iterator[Any]:
    """The items of a bulk file of `entity`'s records (`apart`: the child list whose nodes come on lines of their
    own, if any)."""
    try:
        children, findings = _arrow_children(path, entity, apart, loader)
        in_arrow = True
    except pa.ArrowInvalid:
        # A value the documented types do not hold, or text that is not UTF-8: record by record.
        children, findings = _python_children(path, apart, loader)
        in_arrow = False
    loader.keep_ids()
    if in_arrow:
        for records in _arrow_roots(path, entity, apart):
            yield from loader.arrow_page(records, apart=findings)
    else:
        for batch, lossy in _python_batches(path, children_only=False):
            yield from loader.page(batch, lossy, apart=findings)
    if apart is not None and loader.kept is not None:
        kept = pa.array(sorted(loader.kept), pa.string())
        for table in children:
            linked = table.filter(pc.is_in(table[DLT_PARENT_ID], kept))
            if len(linked):
                yield hinted_child(linked, entity.name, apart.name)


def _schema(entity: Entity, apart: Child | None) -> pa.Schema:
    """Records with the children they hold, and child lines (their columns and `__parentId`), in one schema: a record
    and a line agree on the fields they share (`id`, `name`)."""
    held = child_lists([child for child in entity.children if child is not apart])
    lines = apart.wire_columns() if apart else ()
    return json_schema([*entity.columns, *held, *lines], extra=[(PARENT, pa.string())])


def _arrow_batches(path: Path, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    reader = pj.open_json(
        path,
        read_options=pj.ReadOptions(block_size=BULK_BLOCK_BYTES),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    yield from reader


def _arrow_children(
    path: Path, entity: Entity, apart: Child | None, loader: PageLoader
) -> tuple[list[pa.Table], ChildFindings]:
    """The child lines screened, and their findings by parent; reads (and checks) the whole file, so a file arrow
    cannot take is known before anything is handed on."""
    tables: list[pa.Table] = []
    findings = ChildFindings()
    seen: dict[str, int] = {}
    for batch in _arrow_batches(path, _schema(entity, apart)):
        valid_text(batch)
        if apart is None:
            continue
        lines = pa.Table.from_batches([batch]).filter(pc.is_valid(batch.column(PARENT)))
        if not len(lines):
            continue
        parents = lines.column(PARENT).combine_chunks()
        wire = loader.arrow_wire(apart, lines)
        table, found = loader.child_rows(apart, wire, parents, _positions(parents.to_pylist(), seen))
        tables.append(table)
        findings.update(found)
    return tables, findings


def _arrow_roots(path: Path, entity: Entity, apart: Child | None) -> Iterator[pa.Table]:
    for batch in _arrow_batches(path, _schema(entity, apart)):
        roots = pa.Table.from_batches([batch]).filter(pc.is_null(batch.column(PARENT)))
        if len(roots):
            yield roots


def _python_children(path: Path, apart: Child | None, loader: PageLoader) -> tuple[list[pa.Table], ChildFindings]:
    tables: list[pa.Table] = []
    findings = ChildFindings()
    if apart is None:
        return tables, findings
    seen: dict[str, int] = {}
    for items, _ in _python_batches(path, children_only=True):
        parents = [item.pop(PARENT) for item in items]
        table, found = loader.child_rows(
            apart, loader.child_wire(apart, items), pa.array(parents, pa.string()), _positions(parents, seen)
        )
        tables.append(table)
        findings.update(found)
    return tables, findings


def _positions(parents: list[str], seen: dict[str, int]) -> pa.Array:
    """Each child's position among its parent's children, in the file's order (`seen`: children counted so far)."""
    positions = []
    for parent in parents:
        position = seen.get(parent, 0)
        seen[parent] = position + 1
        positions.append(position)
    return pa.array(positions, pa.int64())


def _python_batches(path: Path, children_only: bool) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """The objects of a bulk file in batches: its child lines (those with `__parentId`) or its records, each line
    decoded only when it may be one of them; (objects, whether a line was read leniently)."""
    batch: list[dict[str, Any]] = []
    lossy = False
    with path.open("rb") as lines:
        for line in lines:
            maybe_child = _PARENT_KEY in line
            if (children_only and not maybe_child) or not line.strip():
                continue
            if not children_only and _CHILD_LINK in line:
                continue
            try:
                item, line_lossy = orjson.loads(line), False
            except orjson.JSONDecodeError:
                item, line_lossy = decode_json(line)
            if (PARENT in item) != children_only:
                continue
            batch.append(item)
            lossy = lossy or line_lossy
            if len(batch) >= BULK_BATCH:
                yield batch, lossy
                batch, lossy = [], False
    if batch:
        yield batch, lossy
