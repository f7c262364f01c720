"""Bulk query operations: `bulkOperationRunQuery` renders a query's whole result to a JSONL file in the background.

As Shopify documents it: one bulk query runs at a time per shop (another is refused with `OPERATION_IN_PROGRESS`);
the operation goes CREATED → RUNNING → COMPLETED, polled through `currentBulkOperation` or `node(id:)`; then `url`
holds the JSONL file, one object per line, the nodes of a nested connection on lines of their own with `__parentId`
naming their parent (after it, not necessarily right after). `url` is null when nothing matched. The file is served
from an unguessable path, as Shopify's signed storage URLs are, and needs no access token.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..web import iso_utc, json_line
from .graphql import Compiler, Counter, Plan, QueryErrors, operation, parsed, project
from .render import Fields, gid

# Finished operations whose files are kept (older files are deleted when a new operation starts).
KEPT_FILES = 8


@dataclass
class BulkOperation:
    number: int
    query: str
    created_at: int
    status: str = "CREATED"
    error_code: str | None = None
    completed_at: int | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    cancel: threading.Event = field(default_factory=threading.Event)

    def node(self) -> Fields:
        """The operation as the `BulkOperation` object shows it."""
        return Fields(
            id=gid("BulkOperation", self.number),
            status=self.status,
            errorCode=self.error_code,
            createdAt=iso_utc(self.created_at),
            completedAt=iso_utc(self.completed_at) if self.completed_at else None,
            objectCount=str(self.object_count),
            rootObjectCount=str(self.root_object_count),
            fileSize=None if self.file_size is None else str(self.file_size),
            url=self.url,
            partialDataUrl=None,
            query=self.query,
            type="QUERY",
        )


# The rendered objects a root connection field (its name, its arguments) holds, in the order asked for.
Source = Callable[[str, dict[str, Any]], Iterator[Any]]


class BulkOperations:
    """The shop's bulk query operations and their result files (under the simulator's folder)."""

    def __init__(self, folder: Path, now: Callable[[], int]) -> None:
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.now = now
        self._operations: dict[int, BulkOperation] = {}
        self._lock = threading.Lock()
        # The finished operation of each (world, query): the same query on the same simulated day is the same file,
        # rendered once (a file costs the simulator far more than serving it).
        self._rendered: dict[tuple[Any, str], BulkOperation] = {}

    def get(self, number: int) -> BulkOperation | None:
        return self._operations.get(number)

    def current(self) -> BulkOperation | None:
        return self._operations[max(self._operations)] if self._operations else None

    def file(self, token: str) -> Path | None:
        match = [op for op in self._operations.values() if op.token == token and op.status == "COMPLETED"]
        return self._path(match[0]) if match else None

    def _path(self, op: BulkOperation) -> Path:
        return self.folder / f"{op.number}.jsonl"

    def start(
        self, query: str, source: Source, base_url: str, world: Any = None
    ) -> tuple[BulkOperation | None, list[Fields]]:
        """A new operation running `query` over `world` (what identifies the data: the simulated day), or the user
        errors that refuse it."""
        try:
            document = parsed(query)
            op_node = operation(document, None)
        except QueryErrors as errors:
            return None, [Fields(field=["query"], message=errors.entries[0]["message"], code="INVALID")]
        compiler = Compiler(document, {})
        root = compiler.plan(op_node.selection_set, "QueryRoot")
        if op_node.operation.value != "query" or len(root.entries) != 1 or root.entries[0].kind != "connection":
            message = "Bulk queries must contain exactly one connection field at the root."
            return None, [Fields(field=["query"], message=message, code="INVALID")]
        with self._lock:
            running = [op for op in self._operations.values() if op.status in ("CREATED", "RUNNING", "CANCELING")]
            if running:
                message = (
                    "A bulk query operation for this app and shop is already in progress: "
                    f"{gid('BulkOperation', running[0].number)}."
                )
                return None, [Fields(field=None, message=message, code="OPERATION_IN_PROGRESS")]
            op = BulkOperation(number=max(self._operations, default=1_000_000) + 1, query=query, created_at=self.now())
            self._operations[op.number] = op
            self._forget_old_files()
            rendered = self._rendered.get((world, query)) if world is not None else None
            if rendered is not None and rendered.status == "COMPLETED" and self._path(rendered).exists():
                self._reuse(op, rendered, base_url)
                return op, []
        if world is not None:
            # Another day's files are no longer the data: they go the way of every old file.
            self._rendered = {key: done for key, done in self._rendered.items() if key[0] == world}
            self._rendered[(world, query)] = op
        threading.Thread(target=self._run, args=(op, root, source, base_url), daemon=True).start()
        return op, []

    def _reuse(self, op: BulkOperation, rendered: BulkOperation, base_url: str) -> None:
        """`op` finished at once with the file `rendered` has (a link to it: each operation keeps its own)."""
        os.link(self._path(rendered), self._path(op))
        op.object_count, op.root_object_count = rendered.object_count, rendered.root_object_count
        op.file_size = rendered.file_size
        op.url = f"{base_url}/shopify-bulk/{op.token}.jsonl" if op.object_count else None
        op.completed_at, op.status = self.now(), "COMPLETED"

    def cancel(self, number: int) -> BulkOperation | None:
        op = self._operations.get(number)
        if op is not None and op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELING"
            op.cancel.set()
        return op

    def _forget_old_files(self) -> None:
        finished = sorted(n for n, op in self._operations.items() if op.status not in ("CREATED", "RUNNING"))
        kept = {op.number for op in self._rendered.values()}
        for number in finished[:-KEPT_FILES]:
            if number not in kept:
                self._path(self._operations[number]).unlink(missing_ok=True)

    def _run(self, op: BulkOperation, root: Plan, source: Source, base_url: str) -> None:
        entry = root.entries[0]
        assert entry.plan is not None
        parent_plan = Plan(entry.plan.type_name, [e for e in entry.plan.entries if e.kind != "connection"])
        children = [e for e in entry.plan.entries if e.kind == "connection"]
        path = self._path(op)
        op.status = "RUNNING"
        try:
            with path.open("wb", buffering=1 << 20) as out:
                for rendered in source(entry.name, entry.args):
                    if op.cancel.is_set():
                        break
                    counter = Counter()
                    line = project(rendered, parent_plan, counter)
                    out.write(json_line(line))
                    op.root_object_count += 1
                    op.object_count += 1
                    parent_id = rendered.id if children else None
                    for child in children:
                        assert child.plan is not None
                        for item in getattr(rendered, child.name) or []:
                            shown = project(item, child.plan, counter)
                            shown["__parentId"] = parent_id
                            out.write(json_line(shown))
                            op.object_count += 1
        except Exception:
            op.status, op.error_code, op.completed_at = "FAILED", "INTERNAL_SERVER_ERROR", self.now()
            raise
        if op.cancel.is_set():
            op.status = "CANCELED"
            return
        op.file_size = path.stat().st_size if op.object_count else None
        op.url = f"{base_url}/shopify-bulk/{op.token}.jsonl" if op.object_count else None
        op.completed_at = self.now()
        op.status = "COMPLETED"
