"""Refuse input no record can hold, before anything runs: text and ids in variables and in the document's literals.

- Text (`String`, `ID`, and strings inside `JSON`) must be storable: no NUL character (PostgreSQL text refuses it)
  and no unpaired UTF-16 surrogate (no UTF-8 encoding exists for it).
- `DateTime`s beyond the calendar in UTC are refused here too (the scalar refuses them as well), so the message
  can name where they were.
- `ID`s must be global ids whose key is an integer key of this database (`server.graphql.ids.record_key`):
  `Task:²`, `Task:` + U+FF11 (a full-width 1) or `Task:9223372036854775808` name no record: refused, not looked up.

`String` and `ID` are graphql-core's reserved scalars, so these checks cannot live in the scalars; they run as a
schema extension at validation time, over HTTP and websockets alike, and answer like any validation error (code
`BAD_USER_INPUT`), naming the variable path or argument and the value.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    type_from_ast,
    visit,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.relay.utils import from_base64

from server.graphql.ids import MAX_KEY, record_key
from server.graphql.scalars import parse_datetime

__all__ = ["InputGuard", "input_problems"]

_MAX_REPORTED = 20
# Longer documents are checked on every request rather than kept in the cache with their text.
_MAX_CACHED_QUERY_CHARS = 20_000


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogates (text must be valid Unicode)"
    return None


def _id_problem(text: str) -> str | None:
    try:
        _type_name, node_id = from_base64(text)
    except ValueError:
        return None  # not a global id at all: the relay decoding refuses it with its own message
    if record_key(node_id) is None:
        return f"must name a record by an integer key from 1 to {MAX_KEY}"
    return None


def _datetime_problem(text: str) -> str | None:
    try:
        parse_datetime(text)
    except StrawberryInputCoercionError as error:
        return str(error).removeprefix(f"DateTime {text!r} ")
    return None


def _problem(text: str, type_name: str | None) -> str | None:
    if problem := _text_problem(text):
        return problem
    if type_name == "ID":
        return _id_problem(text)
    if type_name == "DateTime":
        return _datetime_problem(text)
    return None


def _walk_value(value: Any, input_type: GraphQLInputType | None, path: str) -> Iterator[tuple[str, str, str]]:
    """(path, problem, text) for every bad string in a variable's value, following its declared type.

    Iterative, so a deeply nested value cannot exhaust the stack."""
    stack: list[tuple[Any, GraphQLInputType | None, str]] = [(value, input_type, path)]
    while stack:
        current, current_type, where = stack.pop()
        if isinstance(current_type, GraphQLNonNull):
            current_type = current_type.of_type
        if isinstance(current, str):
            named = get_named_type(current_type) if current_type is not None else None
            problem = _problem(current, named.name if named is not None else None)
            if problem:
                yield where, problem, current
        elif isinstance(current, Mapping):
            fields = current_type.fields if isinstance(current_type, GraphQLInputObjectType) else {}
            for key, item in current.items():
                if isinstance(key, str) and (problem := _text_problem(key)):
                    yield where, f"keys {problem}", key
                field = fields.get(key) if isinstance(key, str) else None
                stack.append((item, field.type if field is not None else None, f"{where}.{key}"))
        elif isinstance(current, list):
            item_type = current_type.of_type if isinstance(current_type, GraphQLList) else current_type
            stack.extend((item, item_type, f"{where}[{index}]") for index, item in enumerate(current))


class _LiteralChecker(Visitor):
    """Bad strings written into the document itself, with the argument (and input fields) they belong to."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: list[tuple[str, str, str]] = []
        self._path: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._path.append(node.name.value)

    def leave_argument(self, *_args: Any) -> None:
        self._path.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self._path.append(node.name.value)

    def leave_object_field(self, *_args: Any) -> None:
        self._path.pop()

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        named = get_named_type(self.type_info.get_input_type())
        problem = _problem(node.value, named.name if named is not None else None)
        if problem:
            self.found.append((".".join(self._path) or "literal", problem, node.value))


def _literal_problems(schema: GraphQLSchema, document: DocumentNode) -> list[tuple[str, str, str]]:
    type_info = TypeInfo(schema)
    checker = _LiteralChecker(type_info)
    visit(document, TypeInfoVisitor(type_info, checker))
    return checker.found


# Per schema and document text, as the parser cache: a repeated operation is walked once (a walk costs ~0.3 ms).
# Keyed by the text, never the document: hashing a frozen AST node walks the whole tree.
_LITERAL_PROBLEMS: OrderedDict[tuple[int, str], list[tuple[str, str, str]]] = OrderedDict()
_CACHED_DOCUMENTS = 256


def _cached_literal_problems(schema: GraphQLSchema, query: str, document: DocumentNode) -> list[tuple[str, str, str]]:
    key = (id(schema), query)
    found = _LITERAL_PROBLEMS.get(key)
    if found is None:
        found = _literal_problems(schema, document)
        _LITERAL_PROBLEMS[key] = found
        while len(_LITERAL_PROBLEMS) > _CACHED_DOCUMENTS:
            _LITERAL_PROBLEMS.popitem(last=False)
    else:
        _LITERAL_PROBLEMS.move_to_end(key)
    return found


def input_problems(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None, query: str | None = None
) -> list[GraphQLError]:
    """Validation errors for every bad text or id in `document` (whose text is `query`, when known) and its
    `variables` (at most a few)."""
    found: list[tuple[str, str, str]] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for variable in definition.variable_definitions or ():
            name = variable.variable.name.value
            if variables is not None and name in variables:
                declared = type_from_ast(schema, variable.type)
                found.extend(_walk_value(variables[name], declared, f"${name}"))  # type: ignore[arg-type]
    if query is None:
        found.extend(_literal_problems(schema, document))
    elif '"' in query:  # without a quote the document holds no string literal
        if len(query) <= _MAX_CACHED_QUERY_CHARS:
            found.extend(_cached_literal_problems(schema, query, document))
        else:
            found.extend(_literal_problems(schema, document))
    return [
        GraphQLError(f"{where}: {text[:80]!r} {problem}", extensions={"code": "BAD_USER_INPUT", "field": where})
        for where, problem, text in found[:_MAX_REPORTED]
    ]


class InputGuard(SchemaExtension):
    """Adds the `input_problems` of each operation to its validation errors (nothing runs when there are any)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            problems = input_problems(context.schema._schema, document, context.variables, context.query)
            if problems:
                # First, as they name where the value was; a new list, since the one set before may be a cached
                # validation result shared with other requests.
                context.pre_execution_errors = [*problems, *(context.pre_execution_errors or [])]
        yield
