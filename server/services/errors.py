"""Expected failures of the platform's operations; the API turns them into typed results, never stack traces.

A failure names the value at fault by a path: a tuple of snake_case field names and list indexes, such as
``("pools", 2, "hourly_rate")``. A service never names a GraphQL argument nor spells a field the GraphQL way:

- The root is the caller's. A path starts inside the value the operation was given; the resolver says which
  GraphQL argument carried it (``input`` for most mutations), and for an operation taking scalar arguments
  (``archiveVendor(id:)``) the path's first part is the argument itself (``("id",)``).
- Only ``server/graphql/errors.py`` renders a path as the client spelled it: ``input.pools[2].hourlyRate``.
- Two kinds of part keep their spelling there: a `Key` (a name the client chose, such as a pool's, shown in
  brackets) and a `Verbatim` part (a key inside a document the client sent, such as a scenario's TOML key): a
  scenario error reads ``input.document.workforce[Night shift].hourly_rate``, the document's own spelling inside
  the argument that carried it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.scenario import Key, path_text

__all__ = [
    "Conflict",
    "DomainError",
    "InvalidTransition",
    "Key",
    "NotFound",
    "Path",
    "ValidationFailed",
    "Verbatim",
    "validation_message",
]

Path = tuple[str | int, ...]


class Verbatim(str):
    """A path part in the client's own spelling (a key of a document it sent): rendered as it is."""

    __slots__ = ()


class DomainError(Exception):
    """An expected failure: the request was understood but cannot be carried out as asked.

    `path` names the value at fault (empty when no one value is); `message` is complete in the services' own
    spelling of that path. A validation failure also gives `requirement` (what the value must be) and `value`.
    """

    code = "DOMAIN_ERROR"

    def __init__(
        self, message: str, *, path: Sequence[str | int] = (), requirement: str | None = None, value: Any = None
    ) -> None:
        if isinstance(path, str):
            # A string is a sequence too: ("rate",) is meant, and "rate" would read r.a.t.e.
            raise TypeError(f"a path is a tuple of parts, got the string {path!r}")
        super().__init__(message)
        self.message = message
        self.path: Path = tuple(path)
        # Where the message reads "<path> <requirement>, got <value>": the parts the API renders it from again.
        self.requirement = requirement
        self.value = value


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, entity: str, identifier: Any, *, path: Sequence[str | int] = ("id",)) -> None:
        super().__init__(f"{entity} {identifier!r} does not exist", path=path)
        self.entity = entity
        self.identifier = identifier


class ValidationFailed(DomainError):
    """An input value out of range or malformed: the path to it, what it must be, and the value given.

    The message reads ``<path> <requirement>, got <value>``; the API renders the same sentence with the path as
    the client spelled it.
    """

    code = "VALIDATION_FAILED"

    def __init__(self, path: Sequence[str | int], value: Any, requirement: str) -> None:
        message = validation_message("" if isinstance(path, str) else path_text(tuple(path)), requirement, value)
        super().__init__(message, path=path, requirement=requirement, value=value)


def validation_message(field: str, requirement: str, value: Any) -> str:
    """The one sentence a validation failure reads: the field, what it must be, the value given."""
    return f"{field or 'the value'} {requirement}, got {value!r}"


class InvalidTransition(DomainError):
    """A state change the workflow does not allow (e.g. reviewing a label that was already accepted)."""

    code = "INVALID_TRANSITION"

    def __init__(
        self, entity: str, current: str, target: str, *, reason: str = "", path: Sequence[str | int] = ()
    ) -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"{entity} cannot go from {current} to {target}{detail}", path=path)
        self.current = current
        self.target = target


class Conflict(DomainError):
    """The request collides with existing data (a duplicate name, a second label by the same labeler)."""

    code = "CONFLICT"
