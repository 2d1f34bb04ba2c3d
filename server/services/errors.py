"""Expected failures of the platform's operations; the API turns them into typed results, never stack traces."""

from __future__ import annotations

from typing import Any

__all__ = ["Conflict", "DomainError", "InvalidTransition", "NotFound", "ValidationFailed"]


class DomainError(Exception):
    """An expected failure: the request was understood but cannot be carried out as asked.

    `field` names the input at fault (a dotted path such as `input.rate`) where there is one.
    """

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, entity: str, identifier: Any, *, field: str | None = "id") -> None:
        super().__init__(f"{entity} {identifier!r} does not exist", field=field)
        self.entity = entity
        self.identifier = identifier


class ValidationFailed(DomainError):
    """An input value out of range or malformed; the message names the field and the value."""

    code = "VALIDATION_FAILED"

    def __init__(self, field: str, value: Any, requirement: str) -> None:
        super().__init__(f"{field} {requirement}, got {value!r}", field=field)
        self.value = value


class InvalidTransition(DomainError):
    """A state change the workflow does not allow (e.g. reviewing a label that was already accepted)."""

    code = "INVALID_TRANSITION"

    def __init__(self, entity: str, current: str, target: str, *, reason: str = "", field: str | None = None) -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"{entity} cannot go from {current} to {target}{detail}", field=field)
        self.current = current
        self.target = target


class Conflict(DomainError):
    """The request collides with existing data (a duplicate name, a second label by the same labeler)."""

    code = "CONFLICT"
