"""A document of several mutations runs all of them or none: every mutation's rule is checked before any runs.

GraphQL runs a document's mutations one after the other, each committing on its own; a refusal of the third (its
non-null result turns `data` into null) would hide that the first two were written, and lose, say, the secret of a
key the first one minted. So when a document holds more than one mutation, each is checked (its arguments, then
role and scope of the records they name) before execution starts, and one refusal refuses the whole document
(refusals by the policy audited as DENIED).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import convert_arguments

from server.auth.audit import AuditOutcome, record_call
from server.auth.permissions import mutation_refusal

__all__ = ["CheckMutationsFirst"]


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    """The root fields of a selection, through fragments (skip/include ignored: a skipped field is checked too)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                seen.add(selection.name.value)
                yield from _root_fields(fragment.selection_set, fragments, seen)


class CheckMutationsFirst(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        refusals = await self._refusals()
        if refusals:
            self.execution_context.result = ExecutionResult(data=None, errors=refusals)
        yield

    async def _refusals(self) -> list[GraphQLError]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return []
        operation = get_operation_ast(document, context.operation_name)
        schema = context.schema._schema
        mutation_type = schema.mutation_type
        if operation is None or operation.operation is not OperationType.MUTATION or mutation_type is None:
            return []
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        fields = list(_root_fields(operation.selection_set, fragments, set()))
        if len(fields) < 2:
            return []  # one mutation: its own permission check runs before it, nothing else can have run
        variables = get_variable_values(schema, operation.variable_definitions or (), context.variables or {})
        if isinstance(variables, list):
            return []  # bad variables: execution reports them and runs nothing
        refusals = []
        for node in fields:
            refusal = await self._refusal(context.schema, context.context, operation, mutation_type, node, variables)
            if refusal is not None:
                refusals.append(refusal)
        return refusals

    @staticmethod
    async def _refusal(
        schema: Any,
        context: Any,
        operation: OperationDefinitionNode,
        mutation_type: GraphQLObjectType,
        node: FieldNode,
        variables: Any,
    ) -> GraphQLError | None:
        name = node.name.value
        definition = mutation_type.fields.get(name)
        if definition is None:
            return None  # only __typename passes validation here
        alias = node.alias.value if node.alias is not None else name
        field = schema.get_field_for_type(name, mutation_type.name)
        try:
            # As the resolver will get them: global ids parsed, inputs as their Strawberry types.
            raw = get_argument_values(definition, node, variables)
            registry = schema.schema_converter.scalar_registry
            arguments = raw if field is None else convert_arguments(raw, field.arguments, registry, schema.config)
        except GraphQLError as error:
            # Execution would refuse these arguments only after running the mutations before this one.
            invalid = f"{error.message.rstrip('.')}; no mutation of this document ran"
            return GraphQLError(invalid, nodes=[node], path=[alias], extensions=error.extensions)
        except Exception:
            return None  # the resolver's own conversion reports it (masked: it is unexpected)
        refusal = await mutation_refusal(context, name, arguments)
        if refusal is None:
            return None
        operation_name = operation.name.value if operation.name is not None else None
        await record_call(context, name, operation_name, arguments, AuditOutcome.DENIED, None, refusal)
        return GraphQLError(
            f"{refusal}; no mutation of this document ran", nodes=[node], path=[alias], extensions={"code": "FORBIDDEN"}
        )
