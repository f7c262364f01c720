"""A page of API records as one arrow table with the columns a source declares, typed as declared.

dlt normalises dicts record by record (type inference, flattening, timestamp parsing): that was the ceiling of every
load. Instead each source declares the columns it keeps (`Column`: the raw column, where the API puts the value, its
wire kind) and a page becomes one arrow table, column by column, in arrow's C code. What does not fit is not lost:
- a value of another type than declared is kept as JSON text in a variant column `<column>__v_json` (dlt's naming
  for type variants, so the run reports it as a type change) and the record is flagged;
- a field the source added (a key no column reads) is absorbed as a JSON text column of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from dlt.common.normalizers.naming.snake_case import NamingConvention

# Wire kinds: how strictly a value must match. TEXT, INT and BOOL take only their JSON type; LOOSE takes any scalar
# (as text: amounts and quantities some APIs send as numbers, others as strings); TIME is text a check parses.
TEXT, INT, BOOL, LOOSE, TIME = "text", "int", "bool", "loose", "time"
_ARROW = {TEXT: pa.string(), TIME: pa.string(), LOOSE: pa.string(), INT: pa.int64(), BOOL: pa.bool_()}
_PYTHON = {TEXT: (str,), TIME: (str,), INT: (int,), BOOL: (bool,)}
VARIANT_SUFFIX = "__v_json"
ROW = "_row"
_NAMING = NamingConvention()


@dataclass(frozen=True)
class Column:
    """A raw column: its name, where the API puts its value, its wire kind, and how it is stored: as on the wire, as
    SQL type `cast`, or as the SQL expression `sql` over the page's wire columns. `json` is the JSON type the API
    documents for a LOOSE value (what a file is read as: `read_json_file`), text unless said."""

    name: str
    path: tuple[str, ...]
    kind: str = TEXT
    cast: str | None = None
    sql: str | None = None
    json: pa.DataType | None = None

    def json_type(self) -> pa.DataType:
        return self.json or _ARROW[self.kind]


def column(
    name: str,
    path: str | None = None,
    kind: str = TEXT,
    cast: str | None = None,
    sql: str | None = None,
    json: pa.DataType | None = None,
) -> Column:
    """A column; `path` is the API's dotted path to the value (default: the column's own name)."""
    return Column(name, tuple((path or name).split(".")), kind, cast, sql, json)


@dataclass
class Wire:
    """A page as arrow columns (plus `_row`, the record's position on the page), and what the building noticed."""

    table: pa.Table
    findings: dict[int, list[str]] = field(default_factory=dict)


_EMPTY: dict[str, Any] = {}


class _Reader:
    """Reads values out of a page's records by path; the objects on the way are looked up once for all the columns
    that read into them, and a value where an object belongs is noted, not lost."""

    def __init__(self, records: Sequence[dict[str, Any]], findings: dict[int, list[str]]) -> None:
        self.findings = findings
        self._objects: dict[tuple[str, ...], list[dict[str, Any]]] = {(): list(records)}

    def objects(self, path: tuple[str, ...]) -> list[dict[str, Any]]:
        """The object at `path` in every record ({} where there is none)."""
        found = self._objects.get(path)
        if found is None:
            values = self.values(path)
            found = [v if v.__class__ is dict else _EMPTY for v in values]
            for row, value in enumerate(values):
                if value is not None and value.__class__ is not dict:
                    self.findings.setdefault(row, []).append(
                        f"{'.'.join(path)} should be an object, got {type(value).__name__}"
                    )
            self._objects[path] = found
        return found

    def values(self, path: tuple[str, ...]) -> list[Any]:
        # dict.get mapped in C over the parents: no Python frame per record.
        return list(map(dict.get, self.objects(path[:-1]), repeat(path[-1])))


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _type_name(value: Any) -> str:
    return type(value).__name__


def _column_array(values: list[Any], col: Column, findings: dict[int, list[str]]) -> tuple[pa.Array, pa.Array | None]:
    """(the column, its variant column or None); one arrow conversion unless a value does not fit."""
    arrow_type = _ARROW[col.kind]
    try:
        return pa.array(values, arrow_type), None
    except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
        if col.kind == LOOSE:
            return _loose_array(values), None
    fits, variants = [], []
    expected = _PYTHON[col.kind]
    for row, value in enumerate(values):
        ok = value is None or (isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected))
        fits.append(value if ok else None)
        variants.append(None if ok else _json(value))
        if not ok:
            # The defect, not the value: a reason is published to analysts, a value may be personal data.
            findings.setdefault(row, []).append(f"{col.name} should be {col.kind}, got {_type_name(value)}")
    return pa.array(fits, arrow_type), pa.array(variants, pa.string())


def _loose_array(values: list[Any]) -> pa.Array:
    """Scalars of any JSON type as text: numbers (the usual case: amounts in minor units) converted by arrow, a page
    mixing types value by value."""
    try:
        inferred = pa.array(values)
    except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
        inferred = None
    if inferred is not None and (pa.types.is_integer(inferred.type) or pa.types.is_floating(inferred.type)):
        return inferred.cast(pa.string())
    return pa.array([_loose(v) for v in values], pa.string())


def _loose(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)


def _known_keys(columns: Iterable[Column]) -> dict[tuple[str, ...], set[str]]:
    """For the top level and every object a column reads into: the keys the columns read there."""
    known: dict[tuple[str, ...], set[str]] = {}
    for col in columns:
        for depth in range(len(col.path)):
            known.setdefault(col.path[:depth], set()).add(col.path[depth])
    return known


def build(
    records: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    absorb_new_fields: bool = True,
    held: Sequence[str] = (),
) -> Wire:
    """The page `records` as a wire table with `columns` (and, when `absorb_new_fields`, the fields nobody
    declared as JSON text columns of their own; `held`: top-level fields the records' child lists are read from)."""
    findings: dict[int, list[str]] = {}
    names: list[str] = [ROW]
    arrays: list[pa.Array] = [pa.array(range(len(records)), pa.int64())]
    reader = _Reader(records, findings)
    for col in columns:
        array, variant = _column_array(reader.values(col.path), col, findings)
        names.append(col.name)
        arrays.append(array)
        if variant is not None:
            names.append(col.name + VARIANT_SUFFIX)
            arrays.append(variant)
    if absorb_new_fields and records:
        declared = {col.name for col in columns}
        for path, known in _known_keys(columns).items():
            found = reader.objects(path)
            present = set(chain.from_iterable(map(dict.keys, found)))
            for key in sorted(present - known - (set(held) if not path else set())):
                name = _NAMING.normalize_path("__".join(_NAMING.normalize_identifier(p) for p in (*path, key)))
                if name in declared or name in names:
                    continue
                values = list(map(dict.get, found, repeat(key)))
                names.append(name)
                arrays.append(pa.array([None if v is None else _json(v) for v in values], pa.string()))
    return Wire(pa.Table.from_arrays(arrays, names=names), findings)


def json_schema(columns: Sequence[Column], extra: Sequence[tuple[str, pa.DataType]] = ()) -> pa.Schema:
    """The arrow schema JSON objects holding `columns` (records, and in a bulk file the lines of their children too)
    are read with: nested structs along the columns' paths, each value of its documented type."""
    tree: dict[str, Any] = {}
    for col in columns:
        node = tree
        for key in col.path[:-1]:
            node = node.setdefault(key, {})
        node[col.path[-1]] = col.json_type()
    for name, data_type in extra:
        tree[name] = data_type

    def fields(node: dict[str, Any]) -> list[pa.Field]:
        return [pa.field(k, pa.struct(fields(v)) if isinstance(v, dict) else v) for k, v in node.items()]

    return pa.schema(fields(tree))


def build_from_arrow(
    table: pa.Table, columns: Sequence[Column], absorb_new_fields: bool = False, held: Sequence[str] = ()
) -> Wire:
    """The wire table of records read into arrow with `json_schema` (every value of its documented type); with
    `absorb_new_fields`, the fields nobody declared (arrow's reader infers them) as JSON text columns of their own
    (`held`: top-level fields the records' child lists are read from)."""
    names: list[str] = [ROW]
    arrays: list[Any] = [pa.array(range(len(table)), pa.int64())]
    for col in columns:
        if col.path[0] not in table.column_names:  # a field no record of the page had
            names.append(col.name)
            arrays.append(pa.nulls(len(table), _ARROW[col.kind]))
            continue
        values: Any = table.column(col.path[0])
        for key in col.path[1:]:
            values = pc.struct_field(values, [key])
        if col.kind == LOOSE and not pa.types.is_string(values.type):
            if pa.types.is_list(values.type) or pa.types.is_struct(values.type):
                values = pa.array([None if v is None else _json(v) for v in values.to_pylist()], pa.string())
            else:
                values = pc.cast(values, pa.string())
        names.append(col.name)
        arrays.append(values)
    if absorb_new_fields:
        declared = {col.name for col in columns}
        for path, values in _undeclared(table, _known_keys(columns), held):
            name = _NAMING.normalize_path("__".join(_NAMING.normalize_identifier(p) for p in path))
            if name not in declared and name not in names:
                names.append(name)
                arrays.append(pa.array([None if v is None else _json(v) for v in values.to_pylist()], pa.string()))
    return Wire(pa.Table.from_arrays(arrays, names=names))


def _undeclared(
    table: pa.Table, known: dict[tuple[str, ...], set[str]], held: Sequence[str]
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, values) of every field the records hold that no column reads, however deep in the objects columns read
    into."""

    def walk(path: tuple[str, ...], fields: list[tuple[str, Any]]) -> Iterator[tuple[tuple[str, ...], Any]]:
        for name, values in fields:
            inner = (*path, name)
            if name not in known.get(path, set()):
                if path or name not in held:
                    yield inner, values
            elif inner in known and pa.types.is_struct(values.type):
                yield from walk(inner, [(f.name, pc.struct_field(values, [f.name])) for f in values.type])

    yield from walk((), [(name, table.column(name)) for name in table.column_names])


def valid_text(table: pa.Table | pa.RecordBatch) -> None:
    """Raises `ArrowInvalid` for text that is not UTF-8: arrow's JSON reader keeps such bytes as they came, and
    only the record-by-record reading repairs them and keeps them for the quarantine."""
    table.validate(full=True)


def parse_pages(bodies: Sequence[bytes], records: str, record_type: pa.DataType) -> pa.Table | None:
    """The records of pages (each body a JSON object holding the list `records`), read by arrow in one go as one
    table; None when arrow cannot read them all with the documented types (a value of another type, bytes that are not
    UTF-8): the caller then reads them page by page. A page printed over several lines is read as well: the pages
    are one block, in which arrow reads object after object, whatever the whitespace between their tokens."""
    page = read_json_lines(b"\n".join(bodies), pa.schema([(records, pa.list_(record_type))]))
    if page is None or page.num_rows != len(bodies):
        return None
    rows = pc.list_flatten(page.column(records).combine_chunks())
    return pa.Table.from_struct_array(rows) if len(rows) else pa.Table.from_struct_array(pa.array([], rows.type))


def outline(body: bytes, records: str, fields: dict[str, pa.DataType]) -> tuple[int, dict[str, Any]] | None:
    """How many records a page lists (the list `records`) and its top-level `fields` (its cursor), read without
    building the records, outside the GIL; None when arrow cannot read the page so (decode it whole). A cursor that
    is not UTF-8 is refused too: the lenient decoding reads it."""
    schema = pa.schema([(records, pa.list_(pa.struct([]))), *fields.items()])
    page = read_json_lines(body, schema, unexpected="ignore")
    if page is None or page.num_rows != 1:
        return None
    listed = page.column(records)[0]
    return (len(listed) if listed.is_valid else 0), {name: page.column(name)[0].as_py() for name in fields}


def read_json_lines(body: bytes, schema: pa.Schema, unexpected: str = "infer") -> pa.Table | None:
    """The JSON objects of `body` (one a line) as rows of `schema`, the fields it lacks inferred (or, `unexpected`
    "ignore", left unread, nested ones too); None when arrow
    cannot read them with those types (a value of another type, a line that is not an object, bytes that are not
    UTF-8). Arrow's reader works outside the GIL, in the calling thread, the body as one block: handing a page to
    arrow's thread pool took three times as long as parsing it, and the fetching threads use the other core."""
    try:
        table = pj.read_json(
            io.BytesIO(body),
            read_options=pj.ReadOptions(block_size=len(body) + 1, use_threads=False),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior=unexpected),
        )
        valid_text(table)
    except pa.ArrowInvalid:
        return None
    return table
