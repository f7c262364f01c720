"""Reading a bulk operation's JSONL file: records and the nodes of their connections (line items, shipping lines),
which come on lines of their own, each with its `__typename` (asked for: it tells one connection's nodes from
another's).

Shopify puts a connection's nodes after their parent, not always right after, and a bad line rejects its order: the
whole file is read before any record is handed on, the child lines screened as they come (their findings kept by
order), the records and the screened lines held in arrow files beside it; then the records are screened and loaded,
and the lines of the records loaded follow. The file is parsed once, by arrow's JSON reader straight into columns of
the documented types (`tables.json_schema`), no Python object per line; a file holding anything else (a value of
another type than documented, bytes that are not UTF-8) is read record by record instead, through the same checks.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
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
from dlt_sources.shopify.settings import BULK_BATCH, BULK_BLOCK_BYTES, BULK_LINES, BULK_RECORDS

PARENT, TYPENAME = "__parentId", "__typename"
_PARENT_KEY = b'"__parentId"'
# How Shopify writes a child's link (compact JSON; quotes inside a string value are escaped, so this text can only be
# the key itself): such a line is a child without decoding it.
_CHILD_LINK = b'"__parentId":"gid:'


def load_file(path: Path, entity: Entity, apart: Mapping[str, Child], loader: PageLoader) -> Iterator[Any]:
    """The items of a bulk file of `entity`'s records (`apart`: the child list each type of node on lines of its
    own fills, by its `__typename`). What it holds while reading is in a folder beside the file, removed when it is
    done, fails or is closed."""
    with tempfile.TemporaryDirectory(prefix="held-", dir=path.parent) as folder:
        yield from _load_file(path, entity, apart, loader, Path(folder))


def _load_file(
    path: Path, entity: Entity, apart: Mapping[str, Child], loader: PageLoader, folder: Path
) -> Iterator[Any]:
    in_arrow = folder / "arrow"
    in_arrow.mkdir()
    try:
        children, roots, findings = _arrow_read(path, entity, apart, loader, in_arrow)
        records = (item for _, table in roots for item in loader.arrow_page(table, apart=findings))
    except pa.ArrowInvalid:
        records = None
    if records is None:
        # A value the documented types do not hold, or text that is not UTF-8: record by record, after dropping
        # what the arrow reading held (outside the `except`, whose traceback would keep its last groups alive).
        shutil.rmtree(in_arrow)
        children, findings = _python_children(path, apart, loader, folder)
        records = (
            item
            for batch, lossy in _python_batches(path, children_only=False)
            for item in loader.page(batch, lossy, apart=findings)
        )
    loader.keep_ids()
    yield from records
    if apart and loader.kept is not None:
        for child, table in children:
            # A set lookup per row: arrow's `is_in` hashed every loaded record's ID again for each batch of lines
            # (about 78 ms a batch at 100,000 customers).
            of_kept = pa.array([parent in loader.kept for parent in table[DLT_PARENT_ID].to_pylist()], pa.bool_())
            linked = table.filter(of_kept)
            if len(linked):
                yield hinted_child(linked, entity.name, child.name)


class Held:
    """Tables waiting for the rest of the file, in arrow files in `folder` rather than in memory: the records wait for
    their lines' findings, the screened lines for their records' verdict. An order's lines outnumber orders, and
    holding a shop's every line until the last order was read was most of a first load's memory."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        self._held: list[tuple[Any, Path]] = []

    def add(self, table: pa.Table, label: Any = None) -> None:
        """Holds `table` (with `label`, given back with it)."""
        path = self.folder / f"{self.name}-{len(self._held)}.arrow"
        with pa.ipc.new_file(str(path), table.schema) as writer:
            writer.write_table(table)
        self._held.append((label, path))

    def __iter__(self) -> Iterator[tuple[Any, pa.Table]]:
        """(label, table) of every table held, in the order held; each file is gone once read."""
        for label, path in self._held:
            with pa.ipc.open_file(str(path)) as reader:
                table = reader.read_all()
            path.unlink()
            yield label, table


class _Gathered:
    """Tables gathered until they hold `rows` rows: each screening query has a fixed cost (DuckDB plans forty-odd
    checks) that a block of a few thousand lines paid again and again."""

    def __init__(self, rows: int) -> None:
        self.rows, self._tables, self._count = rows, [], 0

    def add(self, table: pa.Table) -> pa.Table | None:
        """`table` added; the tables gathered, once they hold enough rows."""
        if len(table):
            self._tables.append(table)
            self._count += len(table)
        return self.rest() if self._count >= self.rows else None

    def rest(self) -> pa.Table | None:
        """What is gathered (None if nothing), and a fresh start."""
        if not self._tables:
            return None
        table = pa.concat_tables(self._tables)
        self._tables, self._count = [], 0
        return table


def _schema(entity: Entity, apart: Mapping[str, Child]) -> pa.Schema:
    """Records with the children they hold, and child lines (their columns, `__parentId` and `__typename`), in one
    schema: records and lines agree on the fields they share (`id`, `name`, `title`)."""
    held = child_lists([child for child in entity.children if child not in apart.values()])
    lines = [column for child in apart.values() for column in child.wire_columns()]
    return json_schema([*entity.columns, *held, *lines], extra=[(PARENT, pa.string()), (TYPENAME, pa.string())])


def _arrow_batches(path: Path, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    reader = pj.open_json(
        path,
        read_options=pj.ReadOptions(block_size=BULK_BLOCK_BYTES),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    yield from reader


def _arrow_read(
    path: Path, entity: Entity, apart: Mapping[str, Child], loader: PageLoader, folder: Path
) -> tuple[Held, Held, ChildFindings]:
    """One reading of the whole file (so a file arrow cannot take is known before anything is handed on): the child
    lines screened and held in `folder`, the records held there as read, and the lines' findings by parent."""
    children, roots, findings = Held(folder, "lines"), Held(folder, "records"), ChildFindings()
    gathered_roots, gathered_lines = _Gathered(BULK_RECORDS), _Gathered(BULK_LINES)
    seen: dict[str, dict[str, int]] = {name: {} for name in apart}

    def screen(lines: pa.Table) -> None:
        for type_name, child in apart.items():
            nodes = lines.filter(pc.equal(lines[TYPENAME], type_name))
            if not len(nodes):
                continue
            parents = nodes.column(PARENT).combine_chunks()
            wire = loader.arrow_wire(child, nodes)
            table, found = loader.child_rows(child, wire, parents, _positions(parents.to_pylist(), seen[type_name]))
            children.add(table, child)
            findings.update(found)

    for batch in _arrow_batches(path, _schema(entity, apart)):
        valid_text(batch)
        table, is_line = pa.Table.from_batches([batch]), pc.is_valid(batch.column(PARENT))
        if (records := gathered_roots.add(table.filter(pc.invert(is_line)))) is not None:
            roots.add(records)
        if apart and (lines := gathered_lines.add(table.filter(is_line))) is not None:
            screen(lines)
    if (records := gathered_roots.rest()) is not None:
        roots.add(records)
    if (lines := gathered_lines.rest()) is not None:
        screen(lines)
    return children, roots, findings


def _python_children(
    path: Path, apart: Mapping[str, Child], loader: PageLoader, folder: Path
) -> tuple[Held, ChildFindings]:
    tables = Held(folder, "lines")
    findings = ChildFindings()
    if not apart:
        return tables, findings
    seen: dict[str, dict[str, int]] = {name: {} for name in apart}
    for items, _ in _python_batches(path, children_only=True):
        for type_name, child in apart.items():
            nodes = [item for item in items if item.get(TYPENAME) == type_name]
            if not nodes:
                continue
            parents = [node.pop(PARENT) for node in nodes]
            for node in nodes:
                node.pop(TYPENAME)
            table, found = loader.child_rows(
                child,
                loader.child_wire(child, nodes),
                pa.array(parents, pa.string()),
                _positions(parents, seen[type_name]),
            )
            tables.add(table, child)
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
