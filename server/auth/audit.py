"""The audit trail: every mutation call recorded with who, what (arguments, secrets redacted), outcome and when.

`AuditTrail` is a field extension that `server.auth.permissions.mutation` puts outermost on every mutation field,
so it sees the permission check's refusal as well as the resolver's result. The entry is written right after the
mutation. A mutation that succeeds through `server.graphql.errors.mutate` writes its entry inside its own transaction
(`entry_for_success`): the change and its record commit together, with one commit instead of two. Refused and
failed calls have no transaction to join: their entries are written in a transaction of their own.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.relay import GlobalID
from strawberry.types.base import get_object_definition

from server.db.access import AuditEntry, AuditOutcome

__all__ = ["REDACTED", "AuditOutcome", "AuditTrail", "PendingEntry", "pending_entry", "record_call", "redact"]

_log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"
# Argument names that carry credentials anywhere in an input, however deeply nested.
_SECRET_NAME = re.compile(r"secret|password|passwd|token|api_?key|authorization|credential", re.IGNORECASE)
_MAX_TEXT = 2000


def redact(value: Any, name: str = "") -> Any:
    """`value` as JSON-ready data with every secret-looking field replaced by `REDACTED`."""
    if name and _SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, GlobalID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + "..."
    if isinstance(value, float) and not math.isfinite(value):
        # A client's JSON may carry NaN or Infinity (Python reads them); a JSON column has no such number, and
        # PostgreSQL refuses the whole entry.
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: redact(getattr(value, item.name), item.name)
            for item in dataclasses.fields(value)
            if _is_set(getattr(value, item.name, None))
        }
    return repr(value)[:200]


def _is_set(value: Any) -> bool:
    return type(value).__name__ != "UnsetType"


def _result_type(result: Any) -> str | None:
    definition = get_object_definition(type(result))
    return definition.name if definition is not None else (type(result).__name__ if result is not None else None)


def _is_user_error(result: Any) -> bool:
    from server.graphql.errors import UserError

    return isinstance(result, UserError)


def _outcome_of(result: Any) -> tuple[AuditOutcome, str]:
    """A returned result's outcome and message: REFUSED with the typed error's message, or OK."""
    return (AuditOutcome.REFUSED, str(result.message)) if _is_user_error(result) else (AuditOutcome.OK, "")


@dataclass
class PendingEntry:
    """The entry of the mutation call in progress, for its transaction to write on success."""

    info: Any
    arguments: dict[str, Any]
    written: bool = False

    def entry_for_success(self, result: Any) -> AuditEntry:
        """The entry for `result`, to add to the mutation's transaction; `written` is set once it commits."""
        outcome, message = _outcome_of(result)
        info = self.info
        return _entry(
            info.context, info.field_name, _operation_name(info), self.arguments, outcome, _result_type(result), message
        )


# A context variable, not the request context: websocket operations share one context and may run concurrently.
_pending: ContextVar[PendingEntry | None] = ContextVar("audit_pending_entry", default=None)


def pending_entry() -> PendingEntry | None:
    """The audited mutation call in progress in this task, if its entry is not written yet."""
    pending = _pending.get()
    return pending if pending is not None and not pending.written else None


class AuditTrail(FieldExtension):
    """Record one audit entry per call of the mutation field it is attached to."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        # Every mutation of this API is async; a synchronous one could not write the entry without blocking.
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any) -> Any:
        pending = PendingEntry(info, kwargs)
        token = _pending.set(pending)
        try:
            result = await next_(source, info, **kwargs)
        except GraphQLError as error:
            forbidden = (error.extensions or {}).get("code") == "FORBIDDEN"
            outcome = AuditOutcome.DENIED if forbidden else AuditOutcome.ERROR
            await _record(info, kwargs, outcome, None, error.message)
            raise
        except Exception as error:
            await _record(info, kwargs, AuditOutcome.ERROR, None, type(error).__name__)
            raise
        finally:
            _pending.reset(token)
        if pending.written:
            return result
        outcome, message = _outcome_of(result)
        await _record(info, kwargs, outcome, _result_type(result), message)
        return result


async def _record(
    info: Any, arguments: dict[str, Any], outcome: AuditOutcome, result_type: str | None, message: str
) -> None:
    await record_call(info.context, info.field_name, _operation_name(info), arguments, outcome, result_type, message)


def _operation_name(info: Any) -> str | None:
    operation = getattr(info, "operation", None)
    return operation.name.value if operation is not None and operation.name is not None else None


async def record_call(
    context: Any,
    field_name: str,
    operation_name: str | None,
    arguments: dict[str, Any],
    outcome: AuditOutcome,
    result_type: str | None,
    message: str,
) -> None:
    """Write one audit entry for a call of mutation `field_name` by the context's viewer."""
    entry = _entry(context, field_name, operation_name, arguments, outcome, result_type, message)
    try:
        async with context.database.transaction() as session:
            session.add(entry)
    except Exception:
        # The mutation itself is done (or refused) already; losing its entry must not turn it into a failure.
        _log.exception("could not write the audit entry of %s", field_name)


def _entry(
    context: Any,
    field_name: str,
    operation_name: str | None,
    arguments: dict[str, Any],
    outcome: AuditOutcome,
    result_type: str | None,
    message: str,
) -> AuditEntry:
    from server.auth.identity import SYSTEM, Viewer

    viewer = getattr(context, "viewer", None)
    viewer = viewer if isinstance(viewer, Viewer) else SYSTEM
    return AuditEntry(
        user_id=viewer.user_id,
        api_key_id=viewer.api_key_id,
        operation=field_name,
        operation_name=operation_name,
        arguments=redact(arguments),
        outcome=outcome,
        result_type=result_type,
        message=message[:_MAX_TEXT],
        ip=viewer.ip,
    )
