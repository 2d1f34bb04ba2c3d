"""Hide "Did you mean ...?" hints from every error when introspection is off.

graphql-core suggests near names for unknown fields, arguments, enum values, input fields and types, in validation
and in variable coercion alike; Strawberry's `disable_field_suggestions` strips only the first kind. Whoever may
not read the schema must not be able to spell it out one near miss at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

__all__ = ["HideSuggestions", "without_suggestions"]

# Suggestions end with "?": the names they quote are GraphQL names, which never contain one.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?", re.IGNORECASE)


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The same error, its message without suggestions (the error itself when it has none)."""
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class HideSuggestions(SchemaExtension):
    """Rewrites the errors of each operation's result (validation, coercion and execution errors alike), over HTTP
    and over websockets, where each streamed result passes through `on_stream_result` before it is sent."""

    def on_operation(self) -> Iterator[None]:
        yield
        _rewrite(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        _rewrite(result)
        yield None


def _rewrite(result: Any) -> None:
    if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
        result.errors = [without_suggestions(error) for error in result.errors]
