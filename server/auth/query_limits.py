"""Limits on the shape of one operation: cost, depth and aliases, measured in time linear in the document.

Cost (as Saleor computes it, with lists priced too): every selected field costs 1, and a field that returns many
objects multiplies what is selected under it by how many it can return:
- a Relay connection by the page it asks for (`first`/`last`, else the default page), its `edges` by nothing more;
- `nodes(ids:)` by the number of ids, `runs(first:)` by its `first`;
- any other list of objects by its bound in `LIST_BOUNDS`, else by the default page (`DEFAULT_PAGE`).
So `projects(first: 100) { edges { node { labelers(first: 100) { edges { node { id } } } } } }` costs about
100 x 100 = 10^4 units, and a third nested connection (or plain list) of 100 would cost 10^6 and be refused.

Depth counts the fields with a selection set on the longest path (introspection fields aside), as Strawberry's
QueryDepthLimiter does; aliases count every aliased field of the operation with fragments expanded.

Fragments are measured once each and the measure reused wherever they are spread: a document of 25 fragments each
spreading the next twice expands to 2^25 selections, but costs 25 measurements here (walking every expansion, as
the limiters that ship with Strawberry do, kept a core busy for minutes). Sums saturate at `COST_CEILING` so the
numbers stay printable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
)
from graphql.type.definition import get_nullable_type
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import AddValidationRules

from server.services.errors import ValidationFailed

__all__ = [
    "COST_CEILING",
    "DEFAULT_MAX_ALIASES",
    "DEFAULT_MAX_COST",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_PAGE",
    "LIST_BOUNDS",
    "MAX_PAGE",
    "MAX_REPEATED_FIELD",
    "MAX_WINDOW_DAYS",
    "OperationMeasure",
    "QueryLimiter",
    "SizeVariables",
    "measure_operations",
]

DEFAULT_MAX_COST = 50_000
# Deep enough for projects -> labelers -> edges -> node -> vendor -> ... with fragments; shallow enough to
# refuse cyclic abuse (vendor -> labelers -> vendor -> ...).
DEFAULT_MAX_DEPTH = 12
DEFAULT_MAX_ALIASES = 30
DEFAULT_PAGE = 50
MAX_PAGE = 100
# The longest bounded date window an analytics query accepts (about three years); open windows cover the history.
MAX_WINDOW_DAYS = 1100
# Repeating one field in one selection set adds nothing to the answer, and checking that the repeats merge is
# quadratic in their number (a thousand repeats: half a second of validation).
MAX_REPEATED_FIELD = 20
# JavaScript's largest exact integer: a client can read any cost reported, however absurd the query.
COST_CEILING = 2**53 - 1

# Lists of objects that are not pages, by `Type.field`, with the most items they return. Those not listed count
# as a default page (DEFAULT_PAGE), as a connection asked without `first` does.
LIST_BOUNDS: Mapping[str, int] = {
    "ProjectDashboard.days": MAX_WINDOW_DAYS,
    "SlaAttainment.byDay": MAX_WINDOW_DAYS,
}
# Lists whose length an argument gives: (argument, default when absent).
_SIZED_BY_ARGUMENT: Mapping[str, tuple[str, int]] = {
    "Query.nodes": ("ids", MAX_PAGE),
    "Query.runs": ("first", 20),
}


@dataclass(frozen=True)
class SizeVariables:
    """What the cost reads from a request's variables: integers (page sizes) and list lengths (ids)."""

    integers: tuple[tuple[str, int], ...] = ()
    lengths: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, variables: Mapping[str, Any] | None) -> SizeVariables:
        items = sorted((variables or {}).items())
        return cls(
            integers=tuple((k, v) for k, v in items if isinstance(v, int) and not isinstance(v, bool)),
            lengths=tuple((k, len(v)) for k, v in items if isinstance(v, list)),
        )


@dataclass(frozen=True)
class OperationMeasure:
    cost: int
    depth: int
    aliases: int
    largest_id_list: int = 0  # the most ids one `nodes(ids:)` asks for
    most_repeated_field: int = 0  # the most times one response name is selected in one selection set


_ZERO = OperationMeasure(0, 0, 0)


def _saturated(value: int) -> int:
    return min(value, COST_CEILING)


class _Measurer:
    """Measures selection sets of one document; each named fragment is measured once (under its type condition)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, sizes: SizeVariables) -> None:
        self._schema = schema
        self._fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._integers = dict(sizes.integers)
        self._lengths = dict(sizes.lengths)
        self._measured: dict[str, OperationMeasure] = {}
        self._measuring: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> OperationMeasure:
        root = {
            "query": self._schema.query_type,
            "mutation": self._schema.mutation_type,
            "subscription": self._schema.subscription_type,
        }[operation.operation.value]
        return self._selection_set(operation.selection_set, root)

    def _fragment(self, name: str) -> OperationMeasure:
        if name in self._measured:
            return self._measured[name]
        fragment = self._fragments.get(name)
        if fragment is None or name in self._measuring:
            return _ZERO  # unknown fragments and cycles are reported by graphql-core's own rules
        self._measuring.add(name)
        measure = self._selection_set(fragment.selection_set, self._schema.get_type(fragment.type_condition.name.value))
        self._measuring.discard(name)
        self._measured[name] = measure
        return measure

    def _selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> OperationMeasure:
        cost = depth = aliases = largest_id_list = 0
        names = Counter(
            (field.alias or field.name).value
            for field in (selection_set.selections if selection_set else ())
            if isinstance(field, FieldNode)
        )
        most_repeated_field = max(names.values(), default=0)
        for part in self._parts(selection_set, parent):
            cost = _saturated(cost + part.cost)
            depth = max(depth, part.depth)
            aliases = _saturated(aliases + part.aliases)
            largest_id_list = max(largest_id_list, part.largest_id_list)
            most_repeated_field = max(most_repeated_field, part.most_repeated_field)
        return OperationMeasure(cost, depth, aliases, largest_id_list, most_repeated_field)

    def _parts(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Iterator[OperationMeasure]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self._schema.get_type(condition.name.value) if condition else parent
                yield self._selection_set(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                yield self._fragment(selection.name.value)

    def _field(self, field: FieldNode, parent: GraphQLNamedType | None) -> OperationMeasure:
        name = field.name.value
        definition = parent.fields.get(name) if isinstance(parent, GraphQLObjectType) else None
        field_type = get_named_type(definition.type) if definition is not None else None
        children = self._selection_set(field.selection_set, field_type)
        introspection = name.startswith("__") or (parent is not None and parent.name.startswith("__"))
        multiplier = 1
        if definition is not None and not introspection:
            multiplier = self._multiplier(field, parent, definition.type, field_type)
        ids = self._argument_size(field, "ids", 0) if _key(parent, field) == "Query.nodes" else 0
        return OperationMeasure(
            cost=_saturated(1 + multiplier * children.cost),
            depth=0 if introspection or field.selection_set is None else 1 + children.depth,
            aliases=_saturated((1 if field.alias else 0) + children.aliases),
            largest_id_list=max(ids, children.largest_id_list),
            most_repeated_field=children.most_repeated_field,
        )

    def _multiplier(self, field: FieldNode, parent: GraphQLNamedType | None, output: Any, named: Any) -> int:
        key = _key(parent, field)
        if named is not None and named.name.endswith("Connection"):
            return self._page_size(field)
        if key in _SIZED_BY_ARGUMENT:
            argument, default = _SIZED_BY_ARGUMENT[key]
            return _clamped(self._argument_size(field, argument, default))
        if not is_list_type(get_nullable_type(output)) or is_leaf_type(named):
            return 1
        if parent is not None and parent.name.endswith("Connection"):
            return 1  # a connection's edges: the page was counted on the connection
        return LIST_BOUNDS.get(key, DEFAULT_PAGE)

    def _page_size(self, field: FieldNode) -> int:
        sizes = [self._argument_size(field, name, -1) for name in ("first", "last")]
        given = [_clamped(size) for size in sizes if size >= 0]
        return max(given, default=DEFAULT_PAGE)

    def _argument_size(self, field: FieldNode, argument: str, default: int) -> int:
        """The size an argument asks for (an integer, or a list's length); absent or unreadable: `default`."""
        for node in field.arguments or ():
            if node.name.value != argument:
                continue
            value = node.value
            size: int | None = None
            if isinstance(value, IntValueNode):
                size = int(value.value)
            elif isinstance(value, ListValueNode):
                size = len(value.values)
            elif isinstance(value, VariableNode):
                variable = value.name.value
                size = self._integers.get(variable, self._lengths.get(variable))
            if size is not None:
                return size
        return default


def _key(parent: GraphQLNamedType | None, field: FieldNode) -> str:
    return f"{parent.name if parent else ''}.{field.name.value}"


def _clamped(size: int) -> int:
    """A size as a multiplier: oversized pages are refused by the field itself, and here they must not make a
    query look cheap."""
    return min(max(size, 0), MAX_PAGE)


def measure_operations(
    schema: GraphQLSchema, document: DocumentNode, sizes: SizeVariables = SizeVariables()
) -> dict[OperationDefinitionNode, OperationMeasure]:
    """Cost, depth and aliases of every operation of `document` (see the module docstring)."""
    measurer = _Measurer(schema, document, sizes)
    return {
        definition: measurer.operation(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


@lru_cache(maxsize=256)
def _limits_rule(max_cost: int, max_depth: int, max_aliases: int, sizes: SizeVariables) -> type[ValidationRule]:
    """One rule class per limits and size variables: equal inputs give the same class, so a validation cache
    keyed by the rules can serve repeated operations."""

    class QueryLimitsRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            refused = False
            for operation, measure in measure_operations(self.context.schema, node, sizes).items():
                for error in _violations(operation, measure, max_cost, max_depth, max_aliases):
                    self.report_error(error)
                    refused = True
            if refused:
                # The other rules would only spend time on a document already refused, and some are quadratic
                # in repeated fields: graphql-core stops validating on this error and keeps those reported.
                raise ValidationAbortedError("Validation stopped at the query limits.")

    return QueryLimitsRule


def _violations(
    operation: OperationDefinitionNode, measure: OperationMeasure, max_cost: int, max_depth: int, max_aliases: int
) -> Iterator[GraphQLError]:
    name = operation.name.value if operation.name else "anonymous"
    if measure.depth > max_depth:
        yield GraphQLError(
            f"'{name}' exceeds maximum operation depth of {max_depth} (depth {measure.depth})",
            operation,
            extensions={"code": "QUERY_TOO_DEEP", "depth": measure.depth, "maxDepth": max_depth},
        )
    if measure.aliases > max_aliases:
        yield GraphQLError(
            f"{measure.aliases} aliases found in '{name}'. Allowed: {max_aliases}",
            operation,
            extensions={"code": "TOO_MANY_ALIASES", "aliases": measure.aliases, "maxAliases": max_aliases},
        )
    if measure.most_repeated_field > MAX_REPEATED_FIELD:
        yield GraphQLError(
            f"a field of '{name}' is selected {measure.most_repeated_field} times in one selection set. "
            f"Allowed: {MAX_REPEATED_FIELD}",
            operation,
            extensions={"code": "TOO_MANY_REPEATS", "repeats": measure.most_repeated_field},
        )
    if measure.largest_id_list > MAX_PAGE:
        # Refused here, before tens of thousands of ids are coerced and resolved one by one.
        refusal = ValidationFailed(("ids",), measure.largest_id_list, f"must hold at most {MAX_PAGE} ids (a page)")
        yield GraphQLError(refusal.message, operation, extensions={"code": refusal.code, "field": "ids"})
    if measure.cost > max_cost:
        yield GraphQLError(
            f"query cost {measure.cost} exceeds the limit of {max_cost}: ask for smaller pages (first/last) "
            "or fewer nested lists",
            operation,
            extensions={"code": "QUERY_TOO_COSTLY", "cost": measure.cost, "maxCost": max_cost},
        )


class QueryLimiter(AddValidationRules):
    """Refuse operations over the cost, depth or alias limits, at validation time (nothing runs)."""

    def __init__(
        self,
        max_cost: int = DEFAULT_MAX_COST,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_aliases: int = DEFAULT_MAX_ALIASES,
    ) -> None:
        super().__init__([])
        self.limits = (max_cost, max_depth, max_aliases)

    def on_operation(self) -> Iterator[None]:
        # The rule needs the request's variables (a page size or a list of ids may be one), so it is chosen per
        # operation.
        self.validation_rules = [_limits_rule(*self.limits, SizeVariables.of(self.execution_context.variables))]
        yield from super().on_operation()
