"""The ASGI GraphQL endpoint: per-request context, offline GraphiQL, websockets (graphql-transport-ws)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from server.auth.guard import authenticate_websocket
from server.auth.identity import Unauthenticated
from server.db import Database
from server.graphql.context import Context
from server.graphql.schema import build_schema
from server.settings import Settings

__all__ = ["GRAPHIQL_ASSETS_PREFIX", "GraphQLApp", "ide_security_headers", "localize_cdn_urls"]

GRAPHIQL_ASSETS_PREFIX = "/static/vendor/node_modules/"

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


class GraphQLApp(GraphQL[Context, None]):
    """The `/graphql` endpoint of the platform for one database and one set of settings."""

    def __init__(self, database: Database, settings: Settings) -> None:
        super().__init__(
            build_schema(introspection=settings.introspection, max_query_cost=settings.max_query_cost),
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.database = database
        self.settings = settings
        self._ide_html: str | None = None

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
            self._ide_html = localize_cdn_urls(self.graphql_ide_html)
        return HTMLResponse(self._ide_html, headers=ide_security_headers(self._ide_html))

    async def render_graphql_ide(self, request: Request) -> Response:
        return await self.ide_page()

    async def get_root_value(self, request: Request | WebSocket) -> Any:
        return None
