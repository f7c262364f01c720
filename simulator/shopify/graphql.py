"""GraphQL the way the simulated Shopify answers it: queries parsed and validated against `schema.graphql` by
graphql-core, then answered by projecting rendered objects (`render.py`) through a plan compiled from the selection.

graphql-core's own executor resolves every field through a Python call and would make the simulator the slowest
part of every load; a plan is compiled once per query text and picks fields out of plain dicts. Costs follow
Shopify's calculated query cost: an object costs 1, a scalar or enum 0, a connection 2 plus `first` (requested) or
the number returned (actual) times the cost of one node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values

from ..web import decode_cursor, encode_cursor

SCHEMA: GraphQLSchema = build_schema(Path(__file__).with_name("schema.graphql").read_text())
MAX_PAGE = 250
MAX_QUERY_COST = 1000


class QueryError(Exception):
    """A GraphQL error answered in Shopify's shape: `{"errors": [{message, locations, path, extensions}]}`."""

    def __init__(self, message: str, path: list[str] | None = None, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.entry: dict[str, Any] = {"message": message}
        if path:
            self.entry["path"] = path
        if extensions:
            self.entry["extensions"] = extensions


def error_entries(errors: Iterable[GraphQLError]) -> list[dict[str, Any]]:
    entries = []
    for error in errors:
        entry: dict[str, Any] = {"message": error.message}
        if error.locations:
            entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path:
            entry["path"] = list(error.path)
        entries.append(entry)
    return entries


@lru_cache(maxsize=256)
def parsed(query: str) -> DocumentNode:
    """The validated document of a query text; GraphQLErrors raised as one `QueryErrors`."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise QueryErrors(error_entries([error])) from None
    errors = validate(SCHEMA, document)
    if errors:
        raise QueryErrors(error_entries(errors))
    return document


class QueryErrors(Exception):
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__(entries[0]["message"] if entries else "invalid query")
        self.entries = entries


@dataclass
class Entry:
    """One field of a selection: where its value goes (`key`), where it comes from (`name`), and how it is shown."""

    key: str
    name: str
    kind: str  # "scalar", "typename", "object", "list" (of objects), "connection"
    node: FieldNode
    plan: Plan | None = None
    # For a connection: the plans of its parts.
    edges_key: str | None = None
    nodes_key: str | None = None
    page_info_key: str | None = None
    page_info: list[tuple[str, str]] = field(default_factory=list)
    edge_fields: list[tuple[str, str]] = field(default_factory=list)  # (key, "cursor" | "node")
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """A compiled selection on one object type (per concrete type for an interface such as `Node`)."""

    type_name: str
    entries: list[Entry]
    projector: Callable[[Any], dict[str, Any]] | None = None
    cost: int = 0  # `shown_cost`, kept with the projector

    def requested_cost(self) -> int:
        """Shopify's requested cost of one object shown so: 1, its objects', and its connections' at `first`."""
        cost = 1
        for entry in self.entries:
            if entry.kind in ("object", "list"):
                cost += entry.plan.requested_cost() if entry.plan else 1
            elif entry.kind == "connection" and entry.plan:
                cost += 2 + int(entry.args.get("first") or entry.args.get("last") or 0) * entry.plan.requested_cost()
        return cost

    def shown_cost(self) -> int:
        """The actual cost of one object shown so, counted as if it held every object the plan asks for (its nested
        connections at the 2 points they cost even when empty)."""
        cost = 1
        for entry in self.entries:
            if entry.kind in ("object", "list"):
                cost += entry.plan.shown_cost() if entry.plan else 1
            elif entry.kind == "connection":
                cost += 2
        return cost


def _unwrap(gql_type: Any) -> tuple[Any, bool]:
    """(named type, whether it is a list) of a field's type."""
    is_list = False
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        if isinstance(gql_type, GraphQLList):
            is_list = True
        gql_type = gql_type.of_type
    return gql_type, is_list


class Compiler:
    """Compiles the selections of one operation, with its fragments and variables."""

    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables

    def fields(self, selection_set: SelectionSetNode | None, type_name: str) -> list[FieldNode]:
        """The fields selected on `type_name`, fragments and inline fragments resolved."""
        found: list[FieldNode] = []
        if selection_set is None:
            return found
        object_type = SCHEMA.get_type(type_name)
        interfaces = {i.name for i in getattr(object_type, "interfaces", [])}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            else:
                if isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments[selection.name.value]
                    condition, inner = fragment.type_condition.name.value, fragment.selection_set
                else:
                    assert isinstance(selection, InlineFragmentNode)
                    condition = selection.type_condition.name.value if selection.type_condition else type_name
                    inner = selection.selection_set
                if condition == type_name or condition in interfaces:
                    found += self.fields(inner, type_name)
        return found

    def plan(self, selection_set: SelectionSetNode | None, type_name: str) -> Plan:
        object_type = SCHEMA.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType), type_name
        entries = []
        for node in self.fields(selection_set, type_name):
            name = node.name.value
            key = node.alias.value if node.alias else name
            if name == "__typename":
                entries.append(Entry(key, name, "typename", node))
                continue
            definition = object_type.fields[name]
            named, is_list = _unwrap(definition.type)
            args = get_argument_values(definition, node, self.variables)
            if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
                entries.append(self._connection(key, name, node, named, args))
            elif isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                kind = "list" if is_list else "object"
                sub = self.plan(node.selection_set, named.name) if isinstance(named, GraphQLObjectType) else None
                entries.append(Entry(key, name, kind, node, sub, args=args))
            else:
                entries.append(Entry(key, name, "scalar", node, args=args))
        return Plan(type_name, entries)

    def _connection(self, key: str, name: str, node: FieldNode, connection: Any, args: dict[str, Any]) -> Entry:
        node_type = get_named_type(connection.fields["nodes"].type).name
        entry = Entry(key, name, "connection", node, args=args)
        node_selections: list[FieldNode] = []
        for part in self.fields(node.selection_set, connection.name):
            part_key = part.alias.value if part.alias else part.name.value
            if part.name.value == "nodes":
                entry.nodes_key = part_key
                node_selections.append(part)
            elif part.name.value == "edges":
                entry.edges_key = part_key
                for edge_part in self.fields(part.selection_set, f"{node_type}Edge"):
                    edge_key = edge_part.alias.value if edge_part.alias else edge_part.name.value
                    entry.edge_fields.append((edge_key, edge_part.name.value))
                    if edge_part.name.value == "node":
                        node_selections.append(edge_part)
            elif part.name.value == "pageInfo":
                entry.page_info_key = part_key
                entry.page_info = [
                    (p.alias.value if p.alias else p.name.value, p.name.value)
                    for p in self.fields(part.selection_set, "PageInfo")
                ]
        # One plan for `nodes { … }` and `edges { node { … } }` together: both show the same objects.
        merged = SelectionSetNode(selections=tuple(s for n in node_selections for s in n.selection_set.selections))
        entry.plan = self.plan(merged, node_type)
        return entry


def operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        chosen = [o for o in operations if o.name and o.name.value == operation_name]
        if not chosen:
            raise QueryErrors([{"message": f'No operation named "{operation_name}"'}])
        return chosen[0]
    if len(operations) != 1:
        raise QueryErrors([{"message": "An operation name is required"}])
    return operations[0]


def variable_values(op: OperationDefinitionNode, inputs: dict[str, Any] | None) -> dict[str, Any]:
    coerced = get_variable_values(SCHEMA, op.variable_definitions or (), inputs or {})
    if isinstance(coerced, list):
        raise QueryErrors(error_entries(coerced))
    return coerced


@dataclass
class Counter:
    """The actual cost of an answer (objects shown, connections opened), and the warnings of its searches."""

    cost: int = 0
    search: list[dict[str, Any]] = field(default_factory=list)


def project(value: Any, plan: Plan, counter: Counter) -> dict[str, Any]:
    """`value` (a rendered object: a view, or a namespace of fields) shown through `plan`; its cost (as if every
    object it may hold were there) added to `counter`."""
    if plan.projector is None:
        plan.projector, plan.cost = _compile(plan), plan.shown_cost()
    counter.cost += plan.cost
    return plan.projector(value)


def _compile(plan: Plan) -> Callable[[Any], dict[str, Any]]:
    """`plan` as one Python function building the answer's dict, nested objects inline: field names are GraphQL
    names the schema validated, keys are quoted, so the source is safe to run. A loop over the entries took three
    times as long, a call per nested object twice."""
    namespace: dict[str, Any] = {"nested_connection": nested_connection, "Counter": Counter}
    names = iter(range(1_000_000))

    def shown(node: Plan, var: str) -> str:
        parts = []
        for entry in node.entries:
            key, name = repr(entry.key), entry.name
            if entry.kind == "scalar":
                parts.append(f"{key}: {var}.{name}")
            elif entry.kind == "typename":
                parts.append(f"{key}: {node.type_name!r}")
            elif entry.kind == "object":
                inner = f"x{next(names)}"
                assert entry.plan is not None
                parts.append(f"{key}: None if ({inner} := {var}.{name}) is None else {shown(entry.plan, inner)}")
            elif entry.kind == "list":
                inner, first = f"x{next(names)}", entry.args.get("first")
                assert entry.plan is not None
                parts.append(f"{key}: [{shown(entry.plan, inner)} for {inner} in ({var}.{name} or [])[:{first!r}]]")
            else:
                label = f"entry{next(names)}"
                namespace[label] = entry
                parts.append(f"{key}: nested_connection({var}.{name} or [], {label}, Counter())")
        return "{" + ", ".join(parts) + "}"

    source = f"def projector(v):\n    return {shown(plan, 'v')}\n"
    exec(compile(source, f"<plan {plan.type_name}>", "exec"), namespace)  # noqa: S102
    return namespace["projector"]


def connection(
    rows: list[tuple[str, Any]], has_next: bool, has_previous: bool, entry: Entry, counter: Counter
) -> dict[str, Any]:
    """A connection of `rows` ((cursor, object) pairs of one page) shown as `entry` selects it."""
    counter.cost += 2
    assert entry.plan is not None
    shown_nodes = [project(value, entry.plan, counter) for _, value in rows]
    answer: dict[str, Any] = {}
    if entry.nodes_key:
        answer[entry.nodes_key] = shown_nodes
    if entry.edges_key:
        answer[entry.edges_key] = [
            {key: (cursor if part == "cursor" else node) for key, part in entry.edge_fields}
            for (cursor, _), node in zip(rows, shown_nodes, strict=True)
        ]
    if entry.page_info_key:
        info = {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": rows[0][0] if rows else None,
            "endCursor": rows[-1][0] if rows else None,
        }
        answer[entry.page_info_key] = {key: info[name] for key, name in entry.page_info}
    return answer


def nested_connection(items: list[dict[str, Any]], entry: Entry, counter: Counter) -> dict[str, Any]:
    """A connection inside an object (an order's line items), paged by position."""
    first, after = entry.args.get("first"), entry.args.get("after")
    try:
        start = int(decode_cursor(after)["position"]) + 1 if after else 0
    except (ValueError, KeyError, TypeError):
        raise QueryError(f"Invalid cursor for {entry.name}: {after}", [entry.key]) from None
    page = items[start : start + first] if first else items[start:]
    rows = [(encode_cursor({"position": start + i}), item) for i, item in enumerate(page)]
    return connection(rows, start + len(page) < len(items), start > 0, entry, counter)


@cache
def every_field(type_name: str) -> Plan:
    """A plan selecting every field of `type_name`, objects and connections whole: the object as a dict, for tests
    and fingerprints that compare renderings."""
    object_type = SCHEMA.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType), type_name
    entries = []
    for name, definition in object_type.fields.items():
        named, is_list = _unwrap(definition.type)
        if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
            node_type = get_named_type(named.fields["nodes"].type).name
            entries.append(Entry(name, name, "connection", FieldNode(), every_field(node_type), nodes_key="nodes"))
        elif isinstance(named, GraphQLObjectType):
            entries.append(Entry(name, name, "list" if is_list else "object", FieldNode(), every_field(named.name)))
        else:
            entries.append(Entry(name, name, "scalar", FieldNode()))
    return Plan(type_name, entries)
