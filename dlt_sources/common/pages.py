"""From a page of API records to what dlt loads: the resource's arrow table, its child tables and quarantine rows.

An `Entity` declares a resource's columns, key, cursor, checks and child lists. `PageLoader.page` turns one page into
(1) the accepted records as one arrow table, typed, each row with a `_dlt_id` derived from its key;
(2) one arrow table per child list (line items, a list of names), each row linked to its parent by `_dlt_parent_id`
    and `_dlt_list_idx` as dlt's own child tables are, merged on `_dlt_id` with the parent as merge key, so a
    reloaded parent's rows replace its old ones;
(3) the quarantine rows of the records rejected or flagged, with their payload as received.
A defect of a child rejects or flags its parent. The resource's cursor moves over the accepted rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
import requests

from dlt_sources.common.cursor import Cursor, SourceClock
from dlt_sources.common.http import decode_json
from dlt_sources.common.quarantine import (
    LOADED_WITH_ISSUES,
    REJECTED,
    Check,
    Finding,
    Repair,
    Screener,
    cast,
    cursor_time,
    identifier,
    long_texts,
    optional_timestamp,
    payload,
    quarantine_table,
    quoted,
    repair_texts,
    required_timestamp,
)
from dlt_sources.common.tables import (
    LOOSE,
    ROW,
    TEXT,
    TIME,
    Column,
    Wire,
    build,
    build_from_arrow,
    json_schema,
    outline,
    parse_pages,
)

DLT_ID, DLT_PARENT_ID, DLT_LIST_IDX = "_dlt_id", "_dlt_parent_id", "_dlt_list_idx"
CURSOR_INSTANT, FIRST_OF_KEY, KEYED = "_cursor_instant", "_first_of_key", "_keyed"
# Records screened and handed to dlt at once: each screening query (DuckDB plans some forty checks: about 20 ms) and
# each item dlt writes has a fixed cost that a page of 50 or 100 records, or a batch of 5,000, paid again and again.
BATCH_RECORDS = 20_000
# A listing's page at least this large is outlined by arrow (outside the GIL, its records not built: 2.6 ms for a
# page of 500 orders, against 7.5 ms decoded by orjson); a smaller one by orjson, whose fixed cost is lower.
ARROW_OUTLINE_BYTES = 256 * 1024

# A page of records (dicts, or an arrow table when arrow read the page), and whether it was read leniently.
Page = tuple[list[dict[str, Any]] | pa.Table, bool]
# Merged on their keys, each record once per load (`PageLoader` drops a record a load met already): dlt skips the
# deduplication of the staged rows, a window over the whole load that was most of the time a large merge took.
MERGE = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


def batched(pages: Iterable[Page], size: int = BATCH_RECORDS) -> Iterator[Page]:
    """Pages joined into batches of about `size` records (arrow tables with arrow tables, dicts with dicts)."""
    held: list[Any] = []
    count, lossy = 0, False
    for records, page_lossy in pages:
        if held and isinstance(records, pa.Table) != isinstance(held[0], pa.Table):
            yield _joined(held), lossy
            held, count, lossy = [], 0, False
        held.append(records)
        count += len(records)
        lossy = lossy or page_lossy
        if count >= size:
            yield _joined(held), lossy
            held, count, lossy = [], 0, False
    if held:
        yield _joined(held), lossy


@dataclass(frozen=True)
class Body:
    """A page of a listing as it came: its JSON and how many records it lists."""

    content: bytes
    records: int


def listing_page(response: requests.Response, key: str, fields: dict[str, pa.DataType]) -> tuple[Body, dict[str, Any]]:
    """A listing's answer as a `Body` of the records `key`, and the values of its top-level `fields` (the cursor)."""
    response.raise_for_status()
    content = response.content
    found = outline(content, key, fields) if len(content) >= ARROW_OUTLINE_BYTES else None
    if found is None:
        document = response.json()
        return Body(content, len(document.get(key) or [])), document
    records, values = found
    return Body(content, records), values


def pages_ahead(page_size: int, size: int = BATCH_RECORDS) -> int:
    """Pages of `page_size` records a listing fetches ahead: a batch, so that each resource's listing goes on
    fetching while dlt takes the other resources' batches (dlt takes them in turn, in one thread)."""
    return max(2, size // page_size)


def read_bodies(bodies: Iterable[Body], key: str, shape: pa.StructType, size: int = BATCH_RECORDS) -> Iterator[Page]:
    """The records (the list `key`, of type `shape`) of a listing's pages, about `size` at a time: arrow reads a
    batch's pages in one go; when it refuses them, each page is read alone, and one it refuses too record by record
    (a value of another type; text that was not UTF-8, which only that reading repairs)."""
    held: list[Body] = []
    count = 0
    for body in bodies:
        held.append(body)
        count += body.records
        if count >= size:
            yield from _read(held, key, shape)
            held, count = [], 0
    if held:
        yield from _read(held, key, shape)


def _read(bodies: list[Body], key: str, shape: pa.StructType) -> Iterator[Page]:
    table = parse_pages([body.content for body in bodies], key, shape)
    if table is not None:
        yield table, False
        return
    for body in bodies:
        table = None if len(bodies) == 1 else parse_pages([body.content], key, shape)
        if table is not None:
            yield table, False
        else:
            document, lossy = decode_json(body.content)
            yield document.get(key) or [], lossy


def _joined(pages: list[Any]) -> Any:
    if isinstance(pages[0], pa.Table):
        # A page may hold a field the others lack (arrow infers it): its column is null elsewhere.
        return pa.concat_tables(pages, promote_options="permissive")
    return [record for page in pages for record in page]


def child_lists(children: Sequence[Child]) -> list[Column]:
    """The child lists a record holds, as columns of the JSON type they have (for `tables.json_schema`)."""
    return [
        Column(child.name, child.path, LOOSE, json=pa.list_(pa.struct(list(json_schema(child.wire_columns())))))
        if child.columns
        else Column(child.name, child.path, LOOSE, json=pa.list_(pa.string()))
        for child in children
    ]


def record_type(columns: Sequence[Column], children: Sequence[Child] = ()) -> pa.StructType:
    """The arrow type of a record as the API documents it: its columns' values and the child lists it holds."""
    return pa.struct(list(json_schema([*columns, *child_lists(children)])))


@dataclass(frozen=True)
class Child:
    """A list inside each record, loaded as the table `<entity>__<name>`: objects with `columns`, or (no columns)
    scalars in one `value` column, as dlt lays out a list of strings. A fatal check rejects the parent."""

    name: str
    path: tuple[str, ...]
    columns: tuple[Column, ...] = ()
    checks: tuple[Check, ...] = ()
    row_id: str | None = None  # a column whose value identifies the row (Shopify's global ID); else parent + position

    def wire_columns(self) -> tuple[Column, ...]:
        return self.columns or (Column("value", ("value",), LOOSE),)


@dataclass(frozen=True)
class Entity:
    """A resource: its table, columns, key, cursor, checks and child lists."""

    name: str
    columns: tuple[Column, ...]
    key: str = "id"
    cursor: str | None = None
    # SQL for the cursor as a UTC instant (default: the cursor column read as a time).
    cursor_instant: str | None = None
    required_times: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    children: tuple[Child, ...] = ()
    absorb_new_fields: bool = True
    row_id: str | None = None  # a column whose value is the row's `_dlt_id`; else "<name>:<key>"


def _typed_columns(columns: Sequence[Column]) -> dict[str, str]:
    """SQL giving each column that is not stored as it came on the wire its type."""
    computed = {c.name: cast(c.name, "timestamptz") for c in columns if c.kind == TIME}
    computed.update({c.name: cast(c.name, c.cast) for c in columns if c.cast})
    computed.update({c.name: c.sql for c in columns if c.sql})
    return computed


def _text_columns(columns: Sequence[Column]) -> list[str]:
    return [c.name for c in columns if c.kind in (TEXT, LOOSE, TIME)]


def _entity_checks(entity: Entity) -> list[Check]:
    checks = [identifier(entity.key)]
    if entity.cursor:
        checks += cursor_time(entity.cursor, _instant_sql(entity))
    checks += [required_timestamp(c) for c in entity.required_times]
    checks += [
        optional_timestamp(c.name)
        for c in entity.columns
        if c.kind == TIME and c.name != entity.cursor and c.name not in entity.required_times
    ]
    return [*checks, *long_texts(_text_columns(entity.columns)), *entity.checks]


def _instant_sql(entity: Entity) -> str:
    return entity.cursor_instant or cast(entity.cursor or "", "timestamptz")


def hinted_child(table: pa.Table, entity: str, child: str) -> Any:
    """Child rows marked for their table `<entity>__<child>`, merged on `_dlt_id` with their parent as merge key."""
    return dlt.mark.with_hints(
        table,
        dlt.mark.make_hints(
            table_name=f"{entity}__{child}",
            write_disposition=MERGE,
            primary_key=DLT_ID,
            merge_key=DLT_PARENT_ID,
        ),
        create_table_variant=True,
    )


@dataclass
class ChildFindings:
    """Reasons found on records' children, by the parent's `_dlt_id`."""

    fatal: dict[str, list[str]] = field(default_factory=dict)
    minor: dict[str, list[str]] = field(default_factory=dict)

    def add(self, parent: str, reasons: list[str], fatal: bool) -> None:
        (self.fatal if fatal else self.minor).setdefault(parent, []).extend(reasons)

    def update(self, other: ChildFindings) -> None:
        for parent, reasons in other.fatal.items():
            self.add(parent, reasons, fatal=True)
        for parent, reasons in other.minor.items():
            self.add(parent, reasons, fatal=False)


class PageLoader:
    """Loads the pages of one resource in one run: screening, typing, child tables, quarantine, cursor."""

    def __init__(self, entity: Entity, clock: SourceClock, cursor: Cursor | None = None) -> None:
        self.entity, self.clock, self.cursor = entity, clock, cursor
        self.screener = Screener()
        self._checks = _entity_checks(entity)
        self._computed = _typed_columns(entity.columns)
        self._shape = record_type(entity.columns, entity.children)
        if entity.cursor:
            self._computed[CURSOR_INSTANT] = _instant_sql(entity)
        # The batch's record to load of those with its key: the latest version (the first, without a cursor). Records
        # without a usable key share no key: each is its own, and each is quarantined.
        unkeyed = identifier(entity.key).when
        order = f"{_instant_sql(entity)} desc nulls last, _row" if entity.cursor else "_row"
        self._computed[KEYED] = f"not ({unkeyed})"
        self._computed[FIRST_OF_KEY] = (
            f"({unkeyed}) or row_number() over (partition by {quoted(entity.key)} order by {order}) = 1"
        )
        # The keys this load met, and (as arrow tables, compact: the instants are looked up only for the rare record
        # met again) the instant of each version met.
        self._met: set[Any] = set()
        self._met_at: list[pa.Table] = []
        # The `_dlt_id`s loaded, for a caller that links children delivered apart (`keep_ids`).
        self.kept: set[str] | None = None

    def keep_ids(self) -> None:
        self.kept = set()

    def _screen(self, wire: pa.Table, checks: Sequence[Check], computed: dict[str, str]) -> pa.Table:
        return self.screener.run(wire, checks, computed, self.clock.now(), self.clock.limit())

    def page(
        self, records: list[dict[str, Any]], lossy: bool = False, apart: ChildFindings | None = None
    ) -> Iterator[Any]:
        """The items of one page of records: its table, its child tables, its quarantine rows. `lossy`: the page
        was read with surrogate escapes for bytes that were not UTF-8 (`http.is_lossy`); `apart`: findings of the
        records' children, delivered and screened apart (`child_rows`), as a bulk file delivers them."""
        if isinstance(records, pa.Table):
            yield from self.arrow_page(records, apart)
            return
        if not records:
            return
        repairs = repair_texts(records) if lossy else {}
        held = [child.path[0] for child in self.entity.children]
        wire = build(records, self.entity.columns, self.entity.absorb_new_fields, held)

        def children(child: Child, row_ids: pa.Array) -> tuple[Wire, pa.Array, pa.Array]:
            items, parents, positions = _child_items(child, records, row_ids)
            return self.child_wire(child, items), parents, positions

        yield from self._load(wire, records.__getitem__, repairs, apart, children)

    def arrow_page(
        self,
        records: pa.Table,
        apart: ChildFindings | None = None,
        received: Callable[[int], Any] | None = None,
    ) -> Iterator[Any]:
        """The items of records already read into arrow with `tables.json_schema` (a bulk file), with the children
        they hold (children that come apart have their findings in `apart`). `received(row)`: the record as it came,
        for its quarantine row, when the reader kept it (else the arrow row: `_arrow_row`)."""
        if not len(records):
            return

        def children(child: Child, row_ids: pa.Array) -> tuple[Wire, pa.Array, pa.Array] | None:
            return _arrow_child_items(child, records, row_ids)

        held = [child.path[0] for child in self.entity.children]
        wire = build_from_arrow(records, self.entity.columns, self.entity.absorb_new_fields, held)
        yield from self._load(wire, received or _arrow_row(records, self._shape), {}, apart, children)

    def _load(
        self,
        wire: Wire,
        record: Callable[[int], Any],
        repairs: dict[int, Repair],
        apart: ChildFindings | None,
        children_of: Callable[[Child, pa.Array], tuple[Wire, pa.Array, pa.Array] | None],
    ) -> Iterator[Any]:
        """Screens a page's wire table (`record(row)`: the record as received, for its quarantine row;
        `children_of(child, row_ids)`: the wire table of a child list the records hold, its parents and positions)."""
        entity = self.entity
        screened = self._screen(wire.table, self._checks, self._computed)
        table = _typed(wire.table, screened).drop_columns([ROW])
        row_ids = _row_ids(table, entity.name, entity.key, entity.row_id)
        table = table.append_column(DLT_ID, row_ids)
        reasons = _Reasons(screened)
        reasons.add_minor(wire.findings)
        reasons.add_minor({row: [repair.reason] for row, repair in repairs.items()}, first=True)
        children = ChildFindings() if apart is None else apart
        child_tables: list[tuple[str, pa.Table]] = []
        for child in entity.children:
            found_in = children_of(child, row_ids)
            if found_in is None:
                continue
            child_wire, parents, positions = found_in
            child_table, found = self.child_rows(child, child_wire, parents, positions)
            child_tables.append((child.name, child_table))
            children.update(found)
        reasons.add_children(children, row_ids)
        keep = reasons.acceptable()
        # A record met twice in one load (a search restarted past its cap, a record edited while its listing was
        # paged) is loaded and quarantined once: dlt does not deduplicate the merge (`MERGE`).
        keys = table[entity.key].to_pylist()
        met_before = pa.array([k in self._met for k in keys], pa.bool_())
        fresh = pc.and_(screened[FIRST_OF_KEY], pc.invert(met_before))
        if self.cursor is not None and entity.cursor:
            unseen = self.cursor.unseen(screened[CURSOR_INSTANT], table[entity.key])
            fresh = pc.and_(fresh, unseen)
            if self._met_at and pc.any(met_before).as_py():
                self._hold_later_versions(pc.and_(unseen, met_before), table, screened)
            met_at = pa.table({"key": pc.cast(table[entity.key], pa.string()), "at": screened[CURSOR_INSTANT]})
            self._met_at.append(met_at.filter(pc.and_(fresh, screened[KEYED])))
        keep = pc.and_(keep, fresh)
        self._met.update(k for k, met in zip(keys, pc.and_(fresh, screened[KEYED]).to_pylist(), strict=True) if met)
        loaded = table.filter(keep)
        if self.kept is not None:
            self.kept.update(loaded[DLT_ID].to_pylist())
        if len(loaded):
            yield loaded
        kept_ids = pc.filter(row_ids, keep)
        for name, child_table in child_tables:
            linked = child_table.filter(pc.is_in(child_table[DLT_PARENT_ID], kept_ids))
            if len(linked):
                yield hinted_child(linked, entity.name, name)
        findings = reasons.findings(record, table[entity.key], fresh, repairs)
        if findings:
            yield quarantine_table(entity.name, findings)
        if self.cursor is not None and entity.cursor:
            self.cursor.advance(pc.filter(screened[CURSOR_INSTANT], keep), pc.filter(table[entity.key], keep))

    def _hold_later_versions(self, met_again: pa.Array, table: pa.Table, screened: pa.Table) -> None:
        """Holds the cursor at the earliest of the versions `met_again` marks (of records this load met before) that
        is later than the version met before: it cannot be loaded, nor quarantined when rejected, too (the record would
        be there twice), so the next load asks for it again."""
        assert self.cursor is not None
        keys = pc.cast(pc.filter(table[self.entity.key], met_again), pa.string())
        instants = pc.filter(screened[CURSOR_INSTANT], met_again)
        earlier = pa.concat_tables(self._met_at)
        before = pc.take(earlier["at"], pc.index_in(keys, value_set=earlier["key"]))
        later = pc.filter(instants, pc.fill_null(pc.greater(instants, before), pc.is_valid(instants)))
        if len(later):
            self.cursor.hold_at(pc.min(later).as_py())

    def arrow_wire(self, child: Child, items: pa.Table) -> Wire:
        """The wire table of a child list's items read into arrow with `tables.json_schema`."""
        return build_from_arrow(items, child.wire_columns(), bool(child.columns) and self.entity.absorb_new_fields)

    def child_wire(self, child: Child, items: list[dict[str, Any]]) -> Wire:
        """The wire table of a child list's items (objects, or `{"value": …}` for scalars)."""
        return build(
            items, child.wire_columns(), absorb_new_fields=bool(child.columns) and self.entity.absorb_new_fields
        )

    def child_rows(
        self, child: Child, wire: Wire, parents: pa.Array, positions: pa.Array
    ) -> tuple[pa.Table, ChildFindings]:
        """Child rows (their wire table, their parents' `_dlt_id`s, their positions) screened by the child's checks:
        the typed table and what the checks found, by parent."""
        columns = child.wire_columns()
        checks = [*child.checks, *long_texts(_text_columns(columns))]
        screened = self._screen(wire.table, checks, _typed_columns(columns))
        table = _typed(wire.table, screened).drop_columns([ROW])
        if child.row_id:
            ids = pc.cast(table[child.row_id], pa.string())
        else:
            infix = pa.array([f"/{child.name}/"] * len(table), pa.string())
            ids = pc.binary_join_element_wise(parents, infix, pc.cast(positions, pa.string()), "")
        table = table.append_column(DLT_PARENT_ID, parents).append_column(DLT_LIST_IDX, positions)
        table = table.append_column(DLT_ID, ids)
        reasons = _Reasons(screened)
        reasons.add_minor(wire.findings)
        found = ChildFindings()
        for row in reasons.rows():
            fatal, minor = reasons.of(row)
            parent = parents[row].as_py()
            if fatal:
                found.add(parent, [f"{child.name}: {r}" for r in fatal], fatal=True)
            if minor:
                found.add(parent, [f"{child.name}: {r}" for r in minor], fatal=False)
        return table, found


def _arrow_child_items(child: Child, records: pa.Table, row_ids: pa.Array) -> tuple[Wire, pa.Array, pa.Array] | None:
    """The wire table of a child list held in arrow records, its parents' `_dlt_id`s and positions; None when the
    records do not hold it (a bulk file puts a connection's nodes on lines of their own)."""
    if child.path[0] not in records.column_names:
        return None
    lists: Any = records.column(child.path[0])
    for key in child.path[1:]:
        lists = pc.struct_field(lists, [key])
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    parent_rows = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    starts = pc.take(lists.offsets, parent_rows)
    positions = pc.subtract(
        pa.array(range(len(flat)), pa.int64()),
        pc.subtract(pc.cast(starts, pa.int64()), pa.scalar(lists.offsets[0].as_py(), pa.int64())),
    )
    items = pa.Table.from_struct_array(flat) if child.columns else pa.table({"value": flat})
    wire = build_from_arrow(items, child.wire_columns(), absorb_new_fields=bool(child.columns))
    return wire, pc.take(row_ids, parent_rows), positions


def _arrow_row(records: pa.Table, shape: pa.StructType) -> Callable[[int], Any]:
    """A record of an arrow table as a dict, for its quarantine row: a documented field (of `shape`) it lacked as null,
    but none of the fields arrow gave it as null because other records read with it had them."""
    return lambda row: _as_sent(records.slice(row, 1).to_pylist()[0], shape)


def _as_sent(value: Any, shape: pa.DataType | None) -> Any:
    """`value` without the null fields its `shape` does not document (None: nothing below is documented)."""
    if isinstance(value, dict):
        fields = {field.name: field.type for field in shape} if isinstance(shape, pa.StructType) else {}
        return {
            key: _as_sent(inner, fields.get(key)) for key, inner in value.items() if inner is not None or key in fields
        }
    if isinstance(value, list):
        return [_as_sent(inner, shape.value_type if isinstance(shape, pa.ListType) else None) for inner in value]
    return value


def _child_items(
    child: Child, records: list[dict[str, Any]], row_ids: pa.Array
) -> tuple[list[dict[str, Any]], pa.Array, pa.Array]:
    items: list[dict[str, Any]] = []
    parent_rows: list[int] = []
    positions: list[int] = []
    for row, record in enumerate(records):
        inner: Any = record
        for key in child.path:
            inner = inner.get(key) if isinstance(inner, dict) else None
        for position, item in enumerate(inner or []):
            items.append(item if child.columns else {"value": item})
            parent_rows.append(row)
            positions.append(position)
    parents = pc.take(row_ids, pa.array(parent_rows, pa.int64()))
    return items, parents, pa.array(positions, pa.int64())


def _typed(wire: pa.Table, screened: pa.Table) -> pa.Table:
    """The wire table with each column the screening typed replaced by its typed values."""
    for name in screened.column_names:
        if name in wire.column_names:
            wire = wire.set_column(wire.column_names.index(name), name, screened[name])
    return wire


def _row_ids(table: pa.Table, entity: str, key: str, row_id: str | None) -> pa.Array:
    if row_id:
        return pc.cast(table[row_id], pa.string()).combine_chunks()
    prefix = pa.array([f"{entity}:"] * len(table), pa.string())
    return pc.binary_join_element_wise(prefix, pc.cast(table[key], pa.string()), "").combine_chunks()


class _Reasons:
    """What the checks found on a batch: the screening's lists of reasons per row, and the few found in Python (type
    mismatches, repaired text, children) by row; only rows with a finding are ever looked at one by one."""

    def __init__(self, screened: pa.Table) -> None:
        self._fatal, self._minor = screened["fatal"].combine_chunks(), screened["minor"].combine_chunks()
        self._extra_fatal: dict[int, list[str]] = {}
        self._extra_minor: dict[int, list[str]] = {}

    def add_minor(self, found: dict[int, list[str]], first: bool = False) -> None:
        for row, reasons in found.items():
            known = self._extra_minor.get(row, [])
            self._extra_minor[row] = [*reasons, *known] if first else [*known, *reasons]

    def add_children(self, found: ChildFindings, row_ids: pa.Array) -> None:
        if not found.fatal and not found.minor:
            return
        position = {row_id: row for row, row_id in enumerate(row_ids.to_pylist())}
        for extra, by_parent in ((self._extra_fatal, found.fatal), (self._extra_minor, found.minor)):
            for parent, reasons in by_parent.items():
                if parent in position:
                    extra[position[parent]] = [*extra.get(position[parent], []), *reasons]

    def acceptable(self) -> pa.Array:
        """A mask of the rows nothing rejected."""
        rejected = pc.greater(pc.list_value_length(self._fatal), 0)
        if self._extra_fatal:
            marked = [False] * len(self._fatal)
            for row in self._extra_fatal:
                marked[row] = True
            rejected = pc.or_(rejected, pa.array(marked))
        return pc.invert(rejected)

    def rows(self, among: pa.Array | None = None) -> list[int]:
        """The rows with a finding (of those `among` marks, when given)."""
        flagged = pc.greater(pc.add(pc.list_value_length(self._fatal), pc.list_value_length(self._minor)), 0)
        if among is not None:
            flagged = pc.and_(flagged, among)
        rows = set(pc.indices_nonzero(flagged).to_pylist())
        extra = set(self._extra_fatal) | set(self._extra_minor)
        if among is not None:
            extra = {row for row in extra if among[row].as_py()}
        return sorted(rows | extra)

    def of(self, row: int) -> tuple[list[str], list[str]]:
        """(fatal, minor) reasons of a row."""
        fatal = [*self._fatal[row].as_py(), *self._extra_fatal.get(row, [])]
        return fatal, [*self._minor[row].as_py(), *self._extra_minor.get(row, [])]

    def findings(
        self, record: Callable[[int], Any], keys: pa.ChunkedArray, fresh: pa.Array, repairs: dict[int, Repair]
    ) -> list[Finding]:
        """Quarantine rows of the records with a finding, except those already loaded at the cursor's boundary."""
        found = []
        for row in self.rows(among=fresh):
            fatal, minor = self.of(row)
            found.append(
                Finding(
                    keys[row].as_py(),
                    REJECTED if fatal else LOADED_WITH_ISSUES,
                    "; ".join(fatal + minor),
                    payload(record(row)),
                    repairs[row].received if row in repairs else None,
                )
            )
        return found
