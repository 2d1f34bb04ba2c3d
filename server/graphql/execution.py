"""GraphQL execution that reads plain scalar fields directly: long lists of small objects cost less.

graphql-core executes every field the same way: it builds a resolve info, calls the resolver, checks whether the
result is awaitable, then completes the value by walking its type. That is about 5 µs per field, and a project's
dashboard over its history answers 35,000 fields, 28,000 of them the tenure day and mean time of learning-curve
points. A Strawberry field without a resolver and without extensions (a "basic" field) only reads the attribute
of the same name, so for such a field of a scalar or enum type this context reads the attribute and coerces it
itself. A list of objects whose selected fields are all such fields, or basic fields holding such objects or lists
of them (the learning curves and their points, the labelers and their quality), is completed in one pass over its
items, without a path, a type walk and a field loop per item. A relay node's `id` is read the same way (the global
id of its type name and its id attribute) when its class keeps Strawberry's `resolve_id` and `resolve_typename`,
and an object type's own `is_type_of` (relay nodes have one) is asked of each item. Anything else takes the
general way: a field with a resolver, arguments, permission classes or middleware, an interface or union field,
`__typename`, `@defer` or `@stream`, a null for a non-null field, a value the scalar refuses or the type's check
refuses; for those the general way runs again over the whole object or list and reports the error exactly as it
would have (the reads have no side effect).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from strawberry.relay import GlobalID, Node
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

__all__ = ["DirectLeafExecutionContext"]


@dataclass(frozen=True, slots=True)
class _DirectRead:
    """How to answer one basic leaf field: the Strawberry field that reads it, its scalar or enum, and whether
    it is non-null."""

    field: StrawberryField
    leaf: GraphQLLeafType
    non_null: bool


@dataclass(frozen=True, slots=True)
class _NodeIdRead:
    """How to answer a relay node's `id`: the global id of the object's type name and its own id attribute, as
    `Node._id` makes it with the default `resolve_id` and `resolve_typename` (the object's class is checked for
    those on every read; any other takes the general way)."""

    type_name: str
    leaf: GraphQLLeafType


_Leaf = _DirectRead | _NodeIdRead


@dataclass(frozen=True, slots=True)
class _ObjectRead:
    """How to answer an object whose selected fields all read directly: each response name with its reader, and
    the type's own check of a value (an interface's implementation has one; relay nodes do)."""

    fields: tuple[tuple[str, _Leaf | _NestedRead], ...]
    is_type_of: Callable[[Any, Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class _ListRead:
    """How to answer a list of such objects, and whether its items are non-null."""

    item: _ObjectRead
    item_non_null: bool


@dataclass(frozen=True, slots=True)
class _NestedRead:
    """How to answer a basic field holding such an object or such a list, and whether it is non-null."""

    field: StrawberryField
    non_null: bool
    value: _ObjectRead | _ListRead


# Plans by the id of the GraphQL field, with the field itself so that a reused id (another schema's field, once
# the first is gone) is told apart. Fields are few and live as long as their schema.
_PLANS: dict[int, tuple[GraphQLField, _Leaf | None]] = {}

_NODE_ID = Node._id.__func__
_DEFAULT_RESOLVE_ID = Node.resolve_id.__func__  # type: ignore[attr-defined]
_DEFAULT_RESOLVE_TYPENAME = Node.resolve_typename.__func__  # type: ignore[attr-defined]
# Node classes answering with the default id and typename, by class: their id attribute's name; None for others.
_ID_ATTRIBUTES: dict[type, str | None] = {}


def _basic_field(field_def: GraphQLField) -> StrawberryField | None:
    """The Strawberry field behind `field_def` when it only reads the attribute of its name, else None."""
    strawberry_field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # Strawberry marks a field without a resolver as default even when extensions (permission classes) wrap it;
    # only a basic field (no resolver and no extensions) may be read without them.
    if (
        isinstance(strawberry_field, StrawberryField)
        and strawberry_field.is_basic_field
        and getattr(field_def.resolve, "_is_default", False)
        and not field_def.args
    ):
        return strawberry_field
    return None


def _is_node_id(field_def: GraphQLField) -> bool:
    strawberry_field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolver = getattr(strawberry_field, "base_resolver", None)
    wrapped = getattr(resolver, "wrapped_func", None)
    return (
        isinstance(strawberry_field, StrawberryField)
        and not strawberry_field.extensions
        and not field_def.args
        and getattr(wrapped, "__func__", None) is _NODE_ID
    )


def _direct_read(field_def: GraphQLField, parent_type: GraphQLObjectType) -> _Leaf | None:
    cached = _PLANS.get(id(field_def))
    if cached is not None and cached[0] is field_def:
        return cached[1]
    plan: _Leaf | None = None
    strawberry_field = _basic_field(field_def)
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if strawberry_field is not None and is_leaf_type(leaf):
        plan = _DirectRead(strawberry_field, leaf, non_null)
    elif non_null and is_leaf_type(leaf) and _is_node_id(field_def):
        plan = _NodeIdRead(parent_type.name, leaf)
    _PLANS[id(field_def)] = (field_def, plan)
    return plan


def _id_attribute(cls: type) -> str | None:
    """The id attribute of a Node class whose id and typename are Strawberry's defaults, else None."""
    try:
        return _ID_ATTRIBUTES[cls]
    except KeyError:
        pass
    attribute = None
    if (
        issubclass(cls, Node)
        and getattr(cls.resolve_id, "__func__", None) is _DEFAULT_RESOLVE_ID
        and getattr(cls.resolve_typename, "__func__", None) is _DEFAULT_RESOLVE_TYPENAME
    ):
        attribute = cls.resolve_id_attr()
    _ID_ATTRIBUTES[cls] = attribute
    return attribute


def _read_node_id(plan: _NodeIdRead, source: Any) -> Any:
    attribute = _id_attribute(type(source))
    if attribute is None:
        return _FAILED
    node_id = getattr(source, attribute, None)
    if node_id is None:
        return _FAILED
    try:
        coerced = plan.leaf.coerce_output_value(GlobalID(type_name=plan.type_name, node_id=str(node_id)))
    except Exception:  # the general way raises it again, located and reported as usual
        return _FAILED
    return _FAILED if coerced is None or coerced is Undefined else coerced


_FAILED = object()


def _read(plan: _Leaf, source: Any) -> Any:
    """The field's coerced value, or `_FAILED` when the general way must answer (and report the error)."""
    if isinstance(plan, _NodeIdRead):
        return _read_node_id(plan, source)
    try:
        value = plan.field.get_result(source, None, [], {})
        if value is None:
            return _FAILED if plan.non_null else None
        if isinstance(value, Exception):
            return _FAILED
        coerced = plan.leaf.coerce_output_value(value)
    except Exception:  # the general way raises it again, located and reported as usual
        return _FAILED
    return _FAILED if coerced is None or coerced is Undefined else coerced


def _read_nested(plan: _NestedRead, source: Any) -> Any:
    """The field's object or list answered, or `_FAILED`."""
    try:
        value = plan.field.get_result(source, None, [], {})
    except Exception:
        return _FAILED
    if value is None:
        return _FAILED if plan.non_null else None
    if isinstance(plan.value, _ListRead):
        return _answer_list(plan.value, value)
    return _answer_object(plan.value, value)


def _answer_object(plan: _ObjectRead, source: Any) -> Any:
    """The object's selected fields, or `_FAILED` if any of them fails."""
    if isinstance(source, Exception):
        return _FAILED
    if plan.is_type_of is not None:
        # Strawberry's checks read only the value; one that needs the resolve info fails here and the general way
        # runs it with one.
        try:
            if plan.is_type_of(source, None) is not True:
                return _FAILED
        except Exception:
            return _FAILED
    results: dict[str, Any] = {}
    for response_name, reader in plan.fields:
        value = _read_nested(reader, source) if isinstance(reader, _NestedRead) else _read(reader, source)
        if value is _FAILED:
            return _FAILED
        results[response_name] = value
    return results


def _answer_list(plan: _ListRead, items: Any) -> Any:
    """Every item answered, or `_FAILED` if any fails; only a list or tuple, which can be read twice."""
    if not isinstance(items, list | tuple):
        return _FAILED
    item_plan = plan.item
    answered: list[Any] = []
    for item in items:
        if item is None:
            if plan.item_non_null:
                return _FAILED
            answered.append(None)
            continue
        value = _answer_object(item_plan, item)
        if value is _FAILED:
            return _FAILED
        answered.append(value)
    return answered


class DirectLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with basic scalar and enum fields read and coerced directly; an object
    whose selected fields are all such fields is answered in one loop, and a list of such objects in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # List plans of this operation by (list type, field details), with both kept so that ids stay theirs.
        self._list_reads: dict[tuple[int, int], tuple[Any, Any, _ListRead | None]] = {}

    def _direct(self) -> bool:
        """Whether fields may be read directly: not when an extension wraps every resolver."""
        manager = self.middleware_manager
        return manager is None or not manager.middlewares

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._direct() and isinstance(result, list | tuple):
            plan = self._list_read(return_type, field_details_list)
            if plan is not None and self.get_stream_usage(field_details_list, path) is None:
                answered = _answer_list(plan, result)
                if answered is not _FAILED:
                    return answered
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def _list_read(self, list_type: GraphQLList[Any], field_details_list: Any) -> _ListRead | None:
        key = (id(list_type), id(field_details_list))
        cached = self._list_reads.get(key)
        if cached is not None and cached[0] is list_type and cached[1] is field_details_list:
            return cached[2]
        plan = self._plan_list(list_type, field_details_list)
        self._list_reads[key] = (list_type, field_details_list, plan)
        return plan

    def _plan_list(self, list_type: GraphQLList[Any], field_details_list: Any) -> _ListRead | None:
        item_type = list_type.of_type
        item_non_null = isinstance(item_type, GraphQLNonNull)
        if item_non_null:
            item_type = item_type.of_type
        if not isinstance(item_type, GraphQLObjectType):
            return None
        item = self._plan_object(item_type, field_details_list)
        return None if item is None else _ListRead(item, item_non_null)

    def _plan_object(self, object_type: GraphQLObjectType, field_details_list: Any) -> _ObjectRead | None:
        grouped_field_set, defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        fields: list[tuple[str, _Leaf | _NestedRead]] = []
        for response_name, sub_details in grouped_field_set.items():
            field_def = object_type.fields.get(sub_details[0].node.name.value)  # None for __typename
            reader = (
                None
                if field_def is None
                else _direct_read(field_def, object_type) or self._plan_nested(field_def, sub_details)
            )
            if reader is None:
                return None
            fields.append((response_name, reader))
        return _ObjectRead(tuple(fields), object_type.is_type_of)

    def _plan_nested(self, field_def: GraphQLField, field_details_list: Any) -> _NestedRead | None:
        strawberry_field = _basic_field(field_def)
        streamed = any(
            directive.name.value == "stream"
            for details in field_details_list
            for directive in details.node.directives or ()
        )
        if strawberry_field is None or streamed:
            return None
        field_type = field_def.type
        non_null = isinstance(field_type, GraphQLNonNull)
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        value: _ObjectRead | _ListRead | None = None
        if isinstance(field_type, GraphQLList):
            value = self._plan_list(field_type, field_details_list)
        elif isinstance(field_type, GraphQLObjectType):
            value = self._plan_object(field_type, field_details_list)
        return None if value is None else _NestedRead(strawberry_field, non_null, value)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if self._direct():
            fields = parent_type.fields
            results: dict[str, Any] = {}
            for response_name, field_details_list in grouped_field_set.items():
                field_def = fields.get(field_details_list[0].node.name.value)
                plan = None if field_def is None else _direct_read(field_def, parent_type)
                value = _FAILED if plan is None else _read(plan, source_value)
                if value is _FAILED:
                    break
                results[response_name] = value
            else:
                return results
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        plan = None if field_def is None or not self._direct() else _direct_read(field_def, parent_type)
        if plan is not None:
            value = _read(plan, source)
            if value is not _FAILED:
                return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
