"""The access guard: an ASGI wrapper of the GraphQL endpoint that authenticates, rate-limits and times out requests.

HTTP requests are answered here, before GraphQL runs, when the bearer key is missing or refused (401), when the
key's bucket is empty (429 with Retry-After), when the body is over the caller's limit (413, see `body_limit`) and
when the request outlives the timeout (504): all as JSON in the GraphQL error shape. The viewer goes to the
endpoint in `scope["state"]["viewer"]`. Websockets carry their key in the `connection_init` payload instead,
checked by `authenticate_websocket` when the endpoint accepts them.
The GraphiQL page is the one thing served without a key (it sends one with each request it makes): a GET asking
for HTML that carries no credential gets the page from here, and GraphQL never runs for it, whatever its query
string says. Every other request without a valid key is refused before GraphQL sees it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth.body_limit import BodyTooLarge, body_limit, declared_length, limited_receive
from server.auth.identity import SYSTEM, Unauthenticated, Viewer, authenticate
from server.auth.limits import RateLimiter
from server.auth.proxies import Networks, client_address, forwarded_for_values, parse_networks
from server.auth.rate_limit import RateLimit
from server.db.session import Database
from server.settings import Settings

__all__ = ["AccessGuard", "authenticate_websocket", "client_ip"]

_log = logging.getLogger(__name__)


def client_ip(scope: Scope, trusted_proxies: Networks = ()) -> str | None:
    """The peer's address, or the client a trusted proxy forwarded (see `server.auth.proxies`)."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    return client_address(peer, forwarded_for_values(scope.get("headers", ())), trusted_proxies)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


# GraphQL-over-HTTP parameters that make a GET an operation rather than a visit to the IDE page.
_OPERATION_PARAMETERS = frozenset({"query", "variables", "operationname", "extensions"})


def _asks_for_ide_page(scope: Scope) -> bool:
    """A browser opening the IDE: a GET that accepts HTML and carries no operation.

    Decided on the decoded, parsed query string (the same parse GraphQL's endpoint uses, so `%71uery` is `query`),
    with parameter names compared loosely so no spelling of one slips through. The guard answers such a request
    with the page itself: GraphQL never runs for it.
    """
    if scope.get("method") != "GET":
        return False
    parameters = QueryParams(bytes(scope.get("query_string", b"")))
    if any(name.strip().lower() in _OPERATION_PARAMETERS for name in parameters):
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
        self,
        app: ASGIApp,
        database: Database,
        settings: Settings,
        rate_limit: RateLimit | None = None,
        ide_page: Callable[[], Awaitable[Response]] | None = None,
    ) -> None:
        self.app = app
        self.database = database
        self.settings = settings
        self.ide_page = ide_page if settings.graphiql else None
        self.trusted_proxies = parse_networks(settings.trusted_proxies)
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
        if self.settings.auth:
            authorization = _header(scope, b"authorization")
            if authorization is None and self.ide_page is not None and _asks_for_ide_page(scope):
                response = await self.ide_page()
                await response(scope, receive, send)
                return
            try:
                viewer = await authenticate(
                    self.database,
                    authorization,
                    ip=client_ip(scope, self.trusted_proxies),
                    cache_seconds=self.settings.key_cache_seconds,
                )
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
        limit = body_limit(self.settings, viewer.role if viewer is not None else None)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await _send_too_large(send, BodyTooLarge(limit))
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self._with_timeout(scope, limited_receive(receive, limit), send)

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
        except BodyTooLarge as error:
            if started:  # cannot happen: the endpoint reads the whole body before it answers
                raise
            await _send_too_large(send, error)


async def _send_too_large(send: Send, error: BodyTooLarge) -> None:
    # The rest of the body is never read: the connection cannot carry another request, so it is closed.
    await _send_error(send, 413, str(error), "BODY_TOO_LARGE", {"Connection": "close"})


async def authenticate_websocket(database: Database, settings: Settings, context: Any) -> Viewer:
    """The viewer of a websocket from its `connection_init` payload `{"Authorization": "Bearer <key>"}`."""
    if not settings.auth:
        return SYSTEM
    params = getattr(context, "connection_params", None)
    authorization: Any = None
    if isinstance(params, dict):
        authorization = params.get("Authorization") or params.get("authorization")
    request = getattr(context, "request", None)
    ip = client_ip(request.scope, parse_networks(settings.trusted_proxies)) if request is not None else None
    token = authorization if isinstance(authorization, str) else None
    return await authenticate(database, token, ip=ip, cache_seconds=settings.key_cache_seconds)
