"""Expected failures as data: the typed errors every mutation result union can carry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.graphql.context import Info
from server.services.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed

__all__ = [
    "ConflictError",
    "InvalidTransitionError",
    "MutationError",
    "NotFoundError",
    "UserError",
    "ValidationError",
    "as_graphql_error",
    "error_from",
    "input_path",
    "mutate",
    "mutate_row",
]

_T = TypeVar("_T")
_Row = TypeVar("_Row")


@strawberry.interface(description="An expected failure: the request was understood but could not be carried out.")
class UserError:
    message: str
    field: str | None = strawberry.field(description="The input at fault, as a dotted path such as `input.rate`.")


@strawberry.type(description="An input value out of range or malformed.")
class ValidationError(UserError):
    value: str | None = strawberry.field(description="The offending value, as text.")


@strawberry.type(description="A referenced record does not exist.")
class NotFoundError(UserError):
    entity: str
    identifier: str


@strawberry.type(description="A state change the workflow does not allow.")
class InvalidTransitionError(UserError):
    current: str
    target: str


@strawberry.type(description="The request collides with existing data.")
class ConflictError(UserError):
    pass


MutationError = ValidationError | NotFoundError | InvalidTransitionError | ConflictError


def input_path(field: str | None) -> str | None:
    """A service's field name (`labeler_id`) as the input path a client sent (`input.labelerId`)."""
    if field is None or field == "id" or field.startswith("input"):
        return field
    head, *rest = field.split("_")
    return "input." + head + "".join(part[:1].upper() + part[1:] for part in rest)


def error_from(error: DomainError) -> MutationError:
    """The typed GraphQL error for a domain failure."""
    original, error.field = error.field, input_path(error.field)
    if original and error.field and original != error.field and error.message.startswith(original):
        # Messages open with the service's field name; clients know the input path.
        error.message = error.field + error.message[len(original) :]
    if isinstance(error, ValidationFailed):
        return ValidationError(message=error.message, field=error.field, value=_text(error.value))
    if isinstance(error, NotFound):
        return NotFoundError(
            message=error.message, field=error.field, entity=error.entity, identifier=str(error.identifier)
        )
    if isinstance(error, InvalidTransition):
        return InvalidTransitionError(
            message=error.message, field=error.field, current=error.current, target=error.target
        )
    if isinstance(error, Conflict):
        return ConflictError(message=error.message, field=error.field)
    # A DomainError subclass this module does not know yet is still an expected failure of the input.
    return ValidationError(message=error.message, field=error.field, value=None)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


async def mutate(info: Info, operation: Callable[[AsyncSession], Awaitable[_T]]) -> _T | MutationError:
    """Run `operation` in one transaction: committed whole on success, nothing written on any failure.

    Domain failures come back as typed errors; anything else propagates and is masked by the schema.
    """
    try:
        async with info.context.database.transaction() as session:
            return await operation(session)
    except DomainError as error:
        return error_from(error)
    except IntegrityError:
        # Services check uniqueness up front; this is the race where a concurrent write won.
        return ConflictError(message="the change conflicts with data written concurrently; retry", field=None)


async def mutate_row(
    info: Info, payload: Callable[[_Row], _T], operation: Callable[[AsyncSession], Awaitable[_Row]]
) -> _T | MutationError:
    """`mutate` for an operation that returns the one row it changed, handed out wrapped in `payload`."""

    async def run(session: AsyncSession) -> _T:
        return payload(await operation(session))

    return await mutate(info, run)


def as_graphql_error(error: DomainError) -> GraphQLError:
    """A query-side domain failure (a bad cursor, a page too large) as a top-level GraphQL error."""
    extensions: dict[str, object] = {"code": error.code}
    if error.field is not None:
        extensions["field"] = error.field
    return GraphQLError(error.message, extensions=extensions)
