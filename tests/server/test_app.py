"""The composed application: health, static files, the offline IDE page, and the lifespan."""

from __future__ import annotations

import base64
import gc
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from server.app import create_app
from server.assets import VENDOR_DIRECTORY, missing_packages
from server.db import Database
from server.db.migrations import head_revision, upgrade
from server.settings import Settings

_ASSET_REFERENCE = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>[^"]+)"')


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://labelops.test")


@pytest.fixture
async def migrated(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}")
    await upgrade(database)
    yield database
    await database.dispose()


async def test_health_reports_a_reachable_database_at_the_newest_revision(migrated: Database) -> None:
    app = create_app(Settings(database_url=migrated.url), migrated)
    async with _client(app) as client:
        response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"reachable": True, "dialect": "sqlite"},
        "schema": {"revision": head_revision(), "head": head_revision(), "up_to_date": True},
    }


async def test_health_says_when_the_schema_was_never_migrated(database: Database) -> None:
    app = create_app(Settings(database_url=database.url), database)
    async with _client(app) as client:
        body = (await client.get("/health")).json()

    assert body["status"] == "ok"
    assert body["schema"] == {"revision": None, "head": head_revision(), "up_to_date": False}


async def test_health_is_503_without_a_stack_trace_when_the_database_is_unreachable() -> None:
    url = "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none"
    database = Database(url)
    app = create_app(Settings(database_url=url), database)
    async with _client(app) as client:
        response = await client.get("/health")
    await database.dispose()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["reachable"] is False
    assert "secret" not in response.text and "Traceback" not in response.text


def test_graphql_is_routed_for_http_and_websockets(migrated: Database) -> None:
    app = create_app(Settings(database_url=migrated.url), migrated)
    websocket_paths = [route.path for route in app.routes if isinstance(route, WebSocketRoute)]
    assert websocket_paths == ["/graphql"]


async def test_the_ide_page_loads_only_local_assets_that_match_their_integrity_hashes(migrated: Database) -> None:
    assert not missing_packages(), "GraphiQL assets missing: run `labelops assets install`"
    app = create_app(Settings(database_url=migrated.url), migrated)
    async with _client(app) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        references = [m.groupdict() for m in _ASSET_REFERENCE.finditer(page.text)]
        assets = {ref["url"]: await client.get(ref["url"]) for ref in references}

    assert page.status_code == 200
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page.text), "the IDE page references an external host"
    assert len(references) == 7
    for reference in references:
        response = assets[reference["url"]]
        assert reference["url"].startswith("/static/vendor/node_modules/")
        assert response.status_code == 200, reference["url"]
        algorithm, digest = reference["integrity"].split("-", 1)
        assert base64.b64encode(hashlib.new(algorithm, response.content).digest()).decode() == digest


async def test_static_files_are_served_byte_for_byte(migrated: Database) -> None:
    path = "graphiql/graphiql.min.js"
    app = create_app(Settings(database_url=migrated.url), migrated)
    async with _client(app) as client:
        response = await client.get(f"/static/vendor/node_modules/{path}")
        missing = await client.get("/static/vendor/node_modules/graphiql/nope.js")

    assert response.status_code == 200
    assert response.content == (VENDOR_DIRECTORY / "node_modules" / path).read_bytes()
    assert "javascript" in response.headers["content-type"]
    assert missing.status_code == 404


async def test_shutdown_disposes_the_database(migrated: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    disposed: list[bool] = []
    original = migrated.dispose

    async def dispose() -> None:
        disposed.append(True)
        await original()

    monkeypatch.setattr(migrated, "dispose", dispose)
    app = create_app(Settings(database_url=migrated.url), migrated)
    sent: list[dict[str, Any]] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert disposed == [True]


async def test_the_objects_alive_at_startup_are_frozen_until_shutdown(migrated: Database) -> None:
    # Frozen objects stay out of the garbage collector's full passes (and out of gc.get_objects()).
    gc.unfreeze()
    app = create_app(Settings(database_url=migrated.url), migrated)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0
        assert not any(tracked is app for tracked in gc.get_objects())
    assert gc.get_freeze_count() == 0
    assert any(tracked is app for tracked in gc.get_objects())
