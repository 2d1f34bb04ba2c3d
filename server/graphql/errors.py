"""Expected failures as data: the typed errors every mutation result union can carry.

The one place where a domain error's path (snake_case parts, relative to the argument the operation was given)
becomes the path a client reads: the argument name in front, fields in camelCase, list indexes and chosen names
in brackets, document keys as the document spells them (``input.document.workforce[0].hourly_rate``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from server.auth.audit import pending_entry
from server.graphql.context import Info
from server.services.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    Key,
    NotFound,
    ValidationFailed,
    Verbatim,
    validation_message,
)

__all__ = [
    "ARGUMENTS",
    "INPUT",
    "ConflictError",
    "InvalidTransitionError",
    "MutationError",
    "NotFoundError",
    "UserError",
    "ValidationError",
    "as_graphql_error",
    "client_message",
    "client_path",
    "error_for",
    "lookup_error",
    "mutate",
    "mutate_row",
]

_T = TypeVar("_T")
_Row = TypeVar("_Row")

# The argument most operations take their values in; a service's paths start inside it.
INPUT: tuple[str, ...] = ("input",)
# For an operation whose arguments are scalars (``archiveVendor(id:)``): a path starts with the argument's name.
ARGUMENTS: tuple[str, ...] = ()


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


def client_path(path: Sequence[str | int], root: Sequence[str | int] = ()) -> str | None:
    """``root`` + ``path`` as the client spelled it: ``("input",) + ("pools", 2, "hourly_rate")`` reads
    ``input.pools[2].hourlyRate``; None when both are empty (no one field is at fault)."""
    text = ""
    for part in (*root, *path):
        if isinstance(part, int | Key):
            text += f"[{part}]"
            continue
        name = part if isinstance(part, Verbatim) else to_camel_case(part)
        text += f".{name}" if text else name
    return text or None


def client_message(error: DomainError, root: Sequence[str | int] = ()) -> str:
    """The error's message naming its field as the client spelled it (the exception is left as it is)."""
    if error.requirement is not None:
        return validation_message(client_path(error.path, root) or "", error.requirement, error.value)
    return error.message


def error_for(error: DomainError, root: Sequence[str | int] = INPUT) -> MutationError:
    """The typed GraphQL error for a domain failure whose path starts in the argument ``root``."""
    message, field = client_message(error, root), client_path(error.path, root)
    if isinstance(error, ValidationFailed):
        return ValidationError(message=message, field=field, value=_text(error.value))
    if isinstance(error, NotFound):
        return NotFoundError(message=message, field=field, entity=error.entity, identifier=str(error.identifier))
    if isinstance(error, InvalidTransition):
        return InvalidTransitionError(message=message, field=field, current=error.current, target=error.target)
    if isinstance(error, Conflict):
        return ConflictError(message=message, field=field)
    # A DomainError subclass this module does not know yet is still an expected failure of the input.
    return ValidationError(message=message, field=field, value=_text(error.value))


def lookup_error(error: DomainError, root: Sequence[str | int] = ()) -> ValidationError | NotFoundError:
    """A query's domain failure as the union member its result carries (a record missing, or a bad argument)."""
    typed = error_for(error, root)
    if isinstance(typed, ValidationError | NotFoundError):
        return typed
    return ValidationError(message=typed.message, field=typed.field, value=None)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


async def mutate(
    info: Info,
    operation: Callable[[AsyncSession], Awaitable[_T]],
    *,
    root: Sequence[str | int] = INPUT,
    short: bool = False,
) -> _T | MutationError:
    """Run `operation` in one transaction: committed whole on success, nothing written on any failure.

    `short` marks the labeling workflow's own writes (a few lookups and small writes each; see
    `Database.transaction`).

    Domain failures come back as typed errors with their paths under the argument ``root`` (``()`` for an
    operation whose arguments are scalars such as ``id``); anything else propagates and is masked by the schema.
    """
    # The call's audit entry joins this transaction on success: one commit for the change and its record.
    audit = pending_entry()
    try:
        async with info.context.database.transaction(short=short) as session:
            result = await operation(session)
            if audit is not None:
                session.add(audit.entry_for_success(result))
    except DomainError as error:
        return error_for(error, root)
    except IntegrityError:
        # Services check uniqueness up front; this is the race where a concurrent write won.
        return ConflictError(message="the change conflicts with data written concurrently; retry", field=None)
    if audit is not None:
        audit.written = True
    return result


async def mutate_row(
    info: Info,
    payload: Callable[[_Row], _T],
    operation: Callable[[AsyncSession], Awaitable[_Row]],
    *,
    root: Sequence[str | int] = INPUT,
) -> _T | MutationError:
    """`mutate` for an operation that returns the one row it changed, handed out wrapped in `payload`."""

    async def run(session: AsyncSession) -> _T:
        return payload(await operation(session))

    return await mutate(info, run, root=root)


def as_graphql_error(error: DomainError, root: Sequence[str | int] = ()) -> GraphQLError:
    """A query-side domain failure (a bad cursor, a page too large) as a top-level GraphQL error."""
    extensions: dict[str, object] = {"code": error.code}
    field = client_path(error.path, root)
    if field is not None:
        extensions["field"] = field
    return GraphQLError(client_message(error, root), extensions=extensions)
