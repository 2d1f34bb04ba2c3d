"""One converter from service results (dataclasses, rows) to the Strawberry types that mirror them.

A GraphQL type declares what it mirrors with `@mirrors(Source, ...)` placed above `@strawberry.type`; its fields
are then read from the source's attributes of the same name. Only what differs is spelled out: a field read from
another attribute (`renames`), a key given out as a global id (`ids`), a figure computed from the source
(`computed`), or one the caller passes (`given`). Every field name is checked against the source when the type is
declared, so a renamed service field fails at import instead of answering null.

Values are shaped by the GraphQL field's type: lists (from tuples), optionals, nested mirrored types, enums from
their values, and dates from the services' ISO day strings. The plan of each type is built once, at first use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition, has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import UNRESOLVED

from server.graphql.ids import encode_id

__all__ = ["Mirror", "from_service", "mirrored_types", "mirrors"]

T = TypeVar("T")
Convert = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Mirror:
    """What a GraphQL type mirrors, and its fields that are not a plain copy of the attribute of the same name."""

    source: type
    renames: Mapping[str, str]
    ids: Mapping[str, str]
    computed: Mapping[str, Convert]
    given: frozenset[str]

    def attribute(self, field: str) -> str:
        return self.renames.get(field, field)


Fill = Callable[[Any, dict[str, Any]], Any]

_MIRRORS: dict[type, Mirror] = {}
_PLANS: dict[type, Fill] = {}


def mirrors(
    source: type,
    *,
    renames: Mapping[str, str] | None = None,
    ids: Mapping[str, str] | None = None,
    computed: Mapping[str, Convert] | None = None,
    given: Collection[str] = (),
) -> Callable[[type[T]], type[T]]:
    """Declare that a Strawberry type is filled from `source`; checked against it now.

    renames: GraphQL field -> source attribute. ids: field -> node type name of the global id made from the key.
    computed: field -> function of the source value. given: fields the caller passes to `from_service`.
    """
    mirror = Mirror(source, dict(renames or {}), dict(ids or {}), dict(computed or {}), frozenset(given))

    def register(gql_type: type[T]) -> type[T]:
        _check(gql_type, mirror)
        _MIRRORS[gql_type] = mirror
        return gql_type

    return register


def mirrored_types() -> dict[type, Mirror]:
    """Every GraphQL type declared with `mirrors`, with what it mirrors."""
    return dict(_MIRRORS)


def from_service(gql_type: type[T], value: object, **given: Any) -> T:
    """The `gql_type` filled from `value`, plus the fields the caller gives."""
    plan = _PLANS.get(gql_type)
    if plan is None:
        plan = _PLANS[gql_type] = _plan(gql_type)
    result: T = plan(value, given)
    return result


def _source_attributes(source: type) -> frozenset[str] | None:
    """The attributes a source type's instances have, when they can be told without an instance."""
    if dataclasses.is_dataclass(source):
        return frozenset(field.name for field in dataclasses.fields(source))
    return None


def _check(gql_type: type, mirror: Mirror) -> None:
    """Raise TypeError unless every field of `gql_type` can be read from `mirror.source`."""
    if not has_object_definition(gql_type):
        raise TypeError(f"mirrors: {gql_type.__name__} is not a Strawberry type (put @mirrors above @strawberry.type)")
    fields = {field.python_name for field in gql_type.__strawberry_definition__.fields}
    declared = {"renames": mirror.renames, "ids": mirror.ids, "computed": mirror.computed, "given": mirror.given}
    for kind, names in declared.items():
        unknown = sorted(set(names) - fields)
        if unknown:
            raise TypeError(f"mirrors: {gql_type.__name__} has no field {', '.join(unknown)} (named in {kind})")
    for attribute in mirror.renames.values():
        if not attribute.isidentifier():
            raise TypeError(f"mirrors: {gql_type.__name__} renames a field to {attribute!r}, not an attribute name")
    attributes = _source_attributes(mirror.source)
    for field in sorted(fields - set(mirror.computed) - mirror.given):
        attribute = mirror.attribute(field)
        # A class attribute covers properties, slots and mapped columns; plain dataclass fields have none.
        known = hasattr(mirror.source, attribute) or (attributes is not None and attribute in attributes)
        if not known:
            raise TypeError(
                f"mirrors: {gql_type.__name__}.{field} reads {mirror.source.__name__}.{attribute}, which does not exist"
            )


def _plan(gql_type: type) -> Fill:
    mirror = _MIRRORS.get(gql_type)
    if mirror is None:
        raise TypeError(f"from_service: {gql_type.__name__} is not declared with @mirrors")
    namespace: dict[str, Any] = {"_gql_type": gql_type}
    arguments: list[str] = []
    for field in get_object_definition(gql_type, strict=True).fields:
        name = field.python_name
        if name in mirror.given:
            continue
        if name in mirror.computed:
            namespace[f"_shape_{name}"] = mirror.computed[name]
            arguments.append(f"{name}=_shape_{name}(value)")
            continue
        shape = _shape(field.type, mirror.ids.get(name), f"{gql_type.__name__}.{name}")
        read = f"value.{mirror.attribute(name)}"
        if shape is not None:
            namespace[f"_shape_{name}"] = shape
            read = f"_shape_{name}({read})"
        arguments.append(f"{name}={read}")
    # One generated call per type, as a hand-written copy would be: a generic loop over the fields costs about
    # twice as much (benchmarks/graphql_convert.py). Only checked identifiers reach the source.
    source = f"def fill(value, given):\n    return _gql_type({', '.join([*arguments, '**given'])})\n"
    exec(source, namespace)
    fill: Fill = namespace["fill"]
    return fill


def _shape(field_type: Any, node_type: str | None, where: str) -> Convert | None:
    """How to turn a service value into one of `field_type`; None where it passes unchanged."""
    if field_type is UNRESOLVED:
        raise TypeError(f"from_service: the type of {where} cannot be resolved (a class local to a function?)")
    if isinstance(field_type, StrawberryOptional):
        inner = _shape(field_type.of_type, node_type, where)
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if isinstance(field_type, StrawberryList):
        item = _shape(field_type.of_type, node_type, where)
        return list if item is None else (lambda values: [item(value) for value in values])
    if node_type is not None:
        return _global_id(field_type, node_type, where)
    if has_object_definition(field_type):
        if field_type not in _MIRRORS:
            raise TypeError(f"from_service: {where} is a {field_type.__name__}, which is not declared with @mirrors")
        return lambda value: from_service(field_type, value)
    if isinstance(field_type, StrawberryEnumDefinition):
        enum_type: Any = field_type.wrapped_cls
        return lambda value: value if isinstance(value, enum_type) else enum_type(value)
    if field_type is date:
        return lambda value: date.fromisoformat(value) if isinstance(value, str) else value
    return None


def _global_id(field_type: Any, node_type: str, where: str) -> Convert:
    if field_type is relay.GlobalID:
        return lambda key: relay.GlobalID(node_type, str(key))
    if field_type is strawberry.ID:
        return lambda key: strawberry.ID(encode_id(node_type, key))
    raise TypeError(f"mirrors: {where} is named in ids but is not an ID or a GlobalID")
