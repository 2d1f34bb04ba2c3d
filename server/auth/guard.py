"""The access guard: an ASGI wrapper of the GraphQL endpoint that authenticates, rate-limits and times out requests.

HTTP requests are answered here, before GraphQL runs, when the bearer key is missing or refused (401), when the
key's bucket is empty (429 with Retry-After) and when the request outlives the timeout (504): all as JSON in the
GraphQL error shape. The viewer goes to the endpoint in `scope["state"]["viewer"]`. Websockets carry their key in
the `connection_init` payload instead, checked by `authenticate_websocket` when the endpoint accepts them.
The GraphiQL page itself (a GET asking for HTML, without a query) needs no key: it sends one with each request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth.identity import SYSTEM, Unauthenticated, Viewer, authenticate
from server.auth.limits import RateLimiter
from server.auth.rate_limit import RateLimit
from server.db.session import Database
from server.settings import Settings

__all__ = ["AccessGuard", "authenticate_websocket", "client_ip"]

_log = logging.getLogger(__name__)


def client_ip(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_ide_page(scope: Scope) -> bool:
    """Mirrors Strawberry's test for serving the IDE: GET, no `query` parameter, HTML accepted."""
    if scope.get("method") != "GET":
        return False
    query_string = bytes(scope.get("query_string", b"")).decode("latin-1")
    if any(part.split("=", 1)[0] == "query" for part in query_string.split("&")):
        return False
    accept = _header(scope, b"accept") or ""
    return "text/html" in accept or "*/*" in accept


async def _send_error(send: Send, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class AccessGuard:
    """Wraps the GraphQL ASGI app (HTTP and websocket) for one database and one set of settings."""

    def __init__(
        self, app: ASGIApp, database: Database, settings: Settings, rate_limit: RateLimit | None = None
    ) -> None:
        self.app = app
        self.database = database
        self.settings = settings
        # Shared with the websocket operations of the same endpoint (and, through Redis, with other processes).
        self.rate_limit = rate_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if not self.settings.auth:
                scope.setdefault("state", {})["viewer"] = SYSTEM
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        viewer: Viewer | None = SYSTEM
        if self.settings.auth and not _is_ide_page(scope):
            try:
                viewer = await authenticate(self.database, _header(scope, b"authorization"), ip=client_ip(scope))
            except Unauthenticated as error:
                await _send_error(send, 401, str(error), "UNAUTHENTICATED", {"WWW-Authenticate": "Bearer"})
                return
            except Exception:
                # The credential store is unreachable or busy: say so, never a stack trace or a dropped connection.
                _log.exception("authentication failed unexpectedly")
                await _send_error(
                    send, 503, "authentication is unavailable; retry shortly", "UNAVAILABLE", {"Retry-After": "1"}
                )
                return
        if self.rate_limit is not None and viewer is not None and viewer.api_key_id is not None:
            wait = await self.rate_limit.take(viewer.api_key_id)
            if wait > 0:
                retry = RateLimiter.retry_after_header(wait)
                message = f"rate limit exceeded for this API key: retry after {retry} s"
                await _send_error(send, 429, message, "RATE_LIMITED", {"Retry-After": retry})
                return
        scope.setdefault("state", {})["viewer"] = viewer
        await self._with_timeout(scope, receive, send)

    async def _with_timeout(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            # A mutation cut short here rolls back: its transaction never reached the commit.
            if not started:
                seconds = self.settings.request_timeout_seconds
                await _send_error(send, 504, f"request timed out after {seconds:g} s", "TIMEOUT")


async def authenticate_websocket(database: Database, settings: Settings, context: Any) -> Viewer:
    """The viewer of a websocket from its `connection_init` payload `{"Authorization": "Bearer <key>"}`."""
    if not settings.auth:
        return SYSTEM
    params = getattr(context, "connection_params", None)
    authorization: Any = None
    if isinstance(params, dict):
        authorization = params.get("Authorization") or params.get("authorization")
    request = getattr(context, "request", None)
    ip = client_ip(request.scope) if request is not None else None
    return await authenticate(database, authorization if isinstance(authorization, str) else None, ip=ip)
