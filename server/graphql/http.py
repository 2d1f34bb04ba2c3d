"""The ASGI GraphQL endpoint: per-request context, offline GraphiQL, websockets (graphql-transport-ws)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from server.auth.guard import authenticate_websocket
from server.auth.identity import Unauthenticated
from server.auth.rate_limit import RateLimit
from server.db import Database
from server.graphql.context import Context
from server.graphql.ide import customize_ide
from server.graphql.schema import build_schema
from server.graphql.websocket import GuardedTransportWSHandler
from server.settings import Settings

__all__ = ["GRAPHIQL_ASSETS_PREFIX", "GraphQLApp", "ide_security_headers", "localize_cdn_urls"]

GRAPHIQL_ASSETS_PREFIX = "/static/vendor/node_modules/"
# Deeper JSON than this is no GraphQL request: refused before it reaches the parser of variables (or recursion).
MAX_JSON_DEPTH = 64

# `https://unpkg.com/<package>@<version>/<path>`, where a package may be scoped (`@graphiql/plugin-explorer`).
_UNPKG_URL = re.compile(r"https://unpkg\.com/((?:@[^/@\"'\s]+/)?[^/@\"'\s]+)@[^/\"'\s]+/")


def localize_cdn_urls(html: str, prefix: str = GRAPHIQL_ASSETS_PREFIX) -> str:
    """Point every CDN asset of the IDE page at the locally served copy of the same npm package.

    The local files are byte-identical to the CDN's, so the page's SRI `integrity` attributes stay valid.
    """
    return _UNPKG_URL.sub(lambda match: f"{prefix}{match.group(1)}/", html)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def ide_security_headers(html: str) -> dict[str, str]:
    """A content security policy that lets the page run only its own inline scripts (by hash) and local files,
    talk only to its own origin, and never be framed (clickjacking with a stored key in the browser)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    policy = "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}",
            # GraphiQL and its React components set inline styles at run time.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


class _RefusedJSON(json.JSONDecodeError):
    """JSON that decodes but is no GraphQL request; a decoding error, so every transport refuses it as bad JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


def _json_depth(value: object) -> int:
    """How deeply objects and lists nest in a decoded JSON value (iteratively: the value may be deep)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            current = list(current.values())
        if isinstance(current, list):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in current if isinstance(item, dict | list))
    return deepest


class GraphQLApp(GraphQL[Context, None]):
    """The `/graphql` endpoint of the platform for one database and one set of settings.

    `rate_limit` is the access guard's: websocket operations draw from the same buckets as HTTP requests.
    """

    graphql_transport_ws_handler_class = GuardedTransportWSHandler

    def __init__(self, database: Database, settings: Settings, rate_limit: RateLimit | None = None) -> None:
        super().__init__(
            build_schema(introspection=settings.introspection, max_query_cost=settings.max_query_cost),
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.database = database
        self.settings = settings
        self.rate_limit = rate_limit
        self._ide_html: str | None = None

    def decode_json(self, data: str | bytes) -> object:
        """A request body, `variables` parameter or websocket message: a JSON object (or a list, for batches)
        nested a sane depth; anything else is refused as undecodable (websockets then close with 4400)."""
        too_deep = f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels"
        try:
            value = json.loads(data)
        except RecursionError:
            raise _RefusedJSON(too_deep) from None
        if not isinstance(value, dict | list):
            kind = "null" if value is None else type(value).__name__
            raise _RefusedJSON(f"the JSON must be an object with a 'query', got {kind}")
        if _json_depth(value) > MAX_JSON_DEPTH:
            raise _RefusedJSON(too_deep)
        return value

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except _RefusedJSON as error:
            raise HTTPException(400, error.msg) from None
        except json.JSONDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(self.database, self.settings, request=request, response=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Websockets send the key in the connection_init payload: {"Authorization": "Bearer <key>"}.
        try:
            context.viewer = await authenticate_websocket(self.database, self.settings, context)
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": str(error), "code": "UNAUTHENTICATED"}) from None
        return UNSET

    async def ide_page(self) -> Response:
        """The GraphiQL page, with its assets served locally and a strict content security policy."""
        if self._ide_html is None:
            self._ide_html = localize_cdn_urls(customize_ide(self.graphql_ide_html))
        return HTMLResponse(self._ide_html, headers=ide_security_headers(self._ide_html))

    async def render_graphql_ide(self, request: Request) -> Response:
        return await self.ide_page()

    async def get_root_value(self, request: Request | WebSocket) -> Any:
        return None
