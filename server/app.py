"""The ASGI application: health check, the GraphQL endpoint (HTTP and websocket), the connectors' webhook
receivers and static files."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server.alerts import alerts_lifespan
from server.auth.guard import AccessGuard
from server.auth.rate_limit import build_rate_limit
from server.connectors.receiver import hook_routes
from server.console import console_routes
from server.db.migrations import current_revision, head_revision
from server.db.session import Database
from server.exports import ExportApp
from server.graphql.http import GraphQLApp
from server.services.jobs import jobs_lifespan
from server.settings import Settings, load_settings

__all__ = ["STATIC_DIRECTORY", "create_app"]

STATIC_DIRECTORY = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Compose the application; it disposes the database's engine at shutdown.

    Pass a `database` to share one engine with the caller (tests do); otherwise one is opened on
    `settings.database_url`.
    """
    settings = settings or load_settings()
    database = database or Database(settings.database_url, echo=settings.echo_sql)
    rate_limit = build_rate_limit(settings)
    endpoint = GraphQLApp(database=database, settings=settings, rate_limit=rate_limit)
    graphql_app = AccessGuard(endpoint, database, settings, rate_limit, ide_page=endpoint.ide_page)
    # Exports run the API's own queries as the caller, behind the same guard (key, rate limit, timeout).
    export_app = AccessGuard(ExportApp(database, settings, endpoint.schema), database, settings, rate_limit)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            # Jobs re-queue runs a previous process left unfinished; alerts evaluate on their schedule.
            with startup_objects_frozen():
                async with jobs_lifespan(database, settings), alerts_lifespan(database, settings):
                    yield
        finally:
            if rate_limit is not None:
                await rate_limit.aclose()
            await database.dispose()

    STATIC_DIRECTORY.mkdir(parents=True, exist_ok=True)
    app = Starlette(
        routes=[
            Route("/health", _health, methods=["GET"]),
            Route("/graphql", graphql_app),
            WebSocketRoute("/graphql", graphql_app),
            Route("/export", export_app, methods=["GET"]),
            Route("/export/{name}", export_app, methods=["GET"]),
            # Webhooks authenticate with their connector's secret, not an API key: outside the access guard.
            *hook_routes(database, settings),
            Mount("/static", app=StaticFiles(directory=STATIC_DIRECTORY), name="static"),
            *console_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    return app


@contextmanager
def startup_objects_frozen() -> Iterator[None]:
    """Keep the objects alive at startup (modules, the schema, the engine: over 200,000) out of the garbage
    collector's full passes while the app runs.

    A request can leave tens of thousands of objects behind for a while (a dashboard's rows and learning-curve
    points), so every few requests a full pass walks the whole heap, 100 to 400 ms each over the largest project's
    history; frozen, a full pass walks only what the requests made. Unfrozen at shutdown, so that what has since
    become garbage is collected (a process that runs several apps, as tests do, does not keep their remains).
    """
    gc.collect()  # what startup left over is collected, not frozen
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _health(request: Request) -> JSONResponse:
    """Liveness and schema state; 503 when the database cannot be reached."""
    database: Database = request.app.state.database
    head = head_revision()
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        revision = await current_revision(database)
    except Exception as error:  # any driver failure means "unreachable"; the type is enough to diagnose it
        body = {
            "status": "unavailable",
            "database": {"reachable": False, "dialect": database.dialect, "error": type(error).__name__},
            "schema": {"revision": None, "head": head, "up_to_date": False},
        }
        return JSONResponse(body, status_code=503)
    body = {
        "status": "ok",
        "database": {"reachable": True, "dialect": database.dialect},
        "schema": {"revision": revision, "head": head, "up_to_date": revision == head},
    }
    return JSONResponse(body)
