"""Websocket operations (graphql-transport-ws) held to the same rules as HTTP requests.

A socket authenticates once, in `connection_init`; after that, every operation it starts (and every event a
subscription sends) re-validates the key when the last check is older than `websocket_recheck_seconds`. A revoked
or expired key, a deactivated user, or a user whose role or scope changed has the socket closed (code 4403): no
later operation runs on it. The check reads the database, so it holds across server processes too.

Each operation also takes a token from the key's rate-limit bucket (the HTTP one), and queries and mutations are
cut at the request timeout like HTTP requests (a cut mutation rolls back). Cost, depth and permission rules are
those of the schema, which both transports execute with the socket's viewer. The socket's one context drops its
DataLoaders' caches when an operation starts, so no operation reads rows an earlier one loaded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,  # the handler's own signal that an operation closed the socket
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage, SubscribeMessage

from server.auth.guard import authenticate_websocket
from server.auth.identity import Unauthenticated
from server.auth.limits import RateLimiter
from server.graphql.context import Context

if TYPE_CHECKING:
    from strawberry.schema.schema import StreamResult

    from server.graphql.http import GraphQLApp

__all__ = ["CLOSE_ACCESS_CHANGED", "CLOSE_AUTH_UNAVAILABLE", "GuardedTransportWSHandler"]

_log = logging.getLogger(__name__)

# graphql-transport-ws leaves 4000-4999 to the application; 4403 is the code of a refused connection_init.
CLOSE_ACCESS_CHANGED = 4403
CLOSE_AUTH_UNAVAILABLE = 4503
# Documents longer than this are refused by the schema's token limit anyway; they are not parsed here twice.
_MAX_TOKENS_TO_CLASSIFY = 10_000
_MAX_CACHED_QUERY_CHARS = 20_000


def _error(operation_id: str, message: str, code: str, **extensions: Any) -> ErrorMessage:
    """The `error` message ending one operation, in the shape of the HTTP errors of the access guard."""
    payload = GraphQLError(message, extensions={"code": code, **extensions}).formatted
    return ErrorMessage(id=operation_id, type="error", payload=[payload])


def _operation_type(query: str, operation_name: str | None) -> OperationType | None:
    """The type of the operation a document runs; None when it cannot be told (the schema reports why)."""
    if len(query) > _MAX_CACHED_QUERY_CHARS:  # a cache of huge documents would hold their text
        return _parsed_operation_type.__wrapped__(query, operation_name)
    return _parsed_operation_type(query, operation_name)


@lru_cache(maxsize=512)
def _parsed_operation_type(query: str, operation_name: str | None) -> OperationType | None:
    try:
        document = parse(query, no_location=True, max_tokens=_MAX_TOKENS_TO_CLASSIFY)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    return operation.operation if operation is not None else None


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with the access guard's checks applied per operation."""

    _checked_at = float("-inf")

    @property
    def _app(self) -> GraphQLApp:
        return self.view  # type: ignore[return-value]

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self._checked_at = time.monotonic()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            if not await self._access_still_holds():
                return
            if await self._rate_limited(message["id"]):
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        self.context.forget_loaded()
        if _operation_type(operation.query, operation.operation_name) is OperationType.SUBSCRIPTION:
            await super().run_operation(operation)
            return
        seconds = self._app.settings.request_timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                await super().run_operation(operation)
        except TimeoutError:
            # As over HTTP: a mutation cut here never reached its commit, so it rolled back.
            await operation.send_operation_message(
                _error(operation.id, f"request timed out after {seconds:g} s", "TIMEOUT")
            )

    async def _send_result_stream(self, operation: Operation[Context, None], result_source: StreamResult) -> None:
        await super()._send_result_stream(operation, self._while_access_holds(result_source))

    async def _while_access_holds(self, results: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
        """The results of an operation, each sent only while the socket's key and user still hold."""
        async for result in results:
            if not await self._access_still_holds():
                raise _OperationStreamClosed
            yield result

    async def _access_still_holds(self) -> bool:
        """Re-validate the socket's key when the last check is stale; close the socket (False) when it fails."""
        settings = self._app.settings
        if not settings.auth or time.monotonic() - self._checked_at < settings.websocket_recheck_seconds:
            return True
        try:
            current = await authenticate_websocket(self._app.database, settings, self.context)
        except Unauthenticated as error:
            await self.websocket.close(code=CLOSE_ACCESS_CHANGED, reason=str(error))
            return False
        except Exception:
            # The credential store is unreachable: fail closed, the client reconnects when it is back.
            _log.exception("websocket re-authentication failed unexpectedly")
            await self.websocket.close(code=CLOSE_AUTH_UNAVAILABLE, reason="authentication is unavailable")
            return False
        if current != self.context.viewer:
            await self.websocket.close(code=CLOSE_ACCESS_CHANGED, reason="role or scope changed: reconnect")
            return False
        self._checked_at = time.monotonic()
        return True

    async def _rate_limited(self, operation_id: str) -> bool:
        """Take a token for the operation from the key's bucket; when empty, answer it RATE_LIMITED (True)."""
        limit = self._app.rate_limit
        key_id = self.context.viewer.api_key_id
        if limit is None or key_id is None:
            return False
        wait = await limit.take(key_id)
        if wait <= 0:
            return False
        retry = RateLimiter.retry_after_header(wait)
        message = f"rate limit exceeded for this API key: retry after {retry} s"
        await self.send_message(_error(operation_id, message, "RATE_LIMITED", retryAfter=int(retry)))
        return True
