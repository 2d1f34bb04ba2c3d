"""The server under attack: uvicorn on a free loopback port in the test's event loop, authentication on, on the
test database (so every attack runs on SQLite and again on PostgreSQL), configured as `labelops serve` runs it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from server.app import create_app
from server.db import Database
from server.db import models as m
from server.db.enums import ReviewVerdict
from server.settings import Settings
from tests.server.access_world import AccessWorld, build_access_world

__all__ = ["Attacker", "serving", "world_with_cross_vendor_review"]


@asynccontextmanager
async def serving(database: Database, **settings: Any) -> AsyncIterator[str]:
    """The base URL of a live server on `database` until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    settings = {"server_port": port, **settings}  # as `labelops serve` tells the app its port
    app = create_app(Settings(database_url=database.url, rate_limit_per_second=0, **settings), database)
    server = uvicorn.Server(_server_config(app, port))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.02)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


def _server_config(app: Any, port: int) -> uvicorn.Config:
    from server.platform_commands import uvicorn_config

    return uvicorn_config(app, host="127.0.0.1", port=port, log_level="warning")


@dataclass
class Attacker:
    """Sends GraphQL requests to a live server with one role's key of the access world."""

    client: httpx.AsyncClient
    base_url: str
    world: AccessWorld

    async def post(
        self, role: str, query: str, headers: dict[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables},
            headers={**self.world.headers(role), **(headers or {})},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def world_with_cross_vendor_review(database: Database) -> AccessWorld:
    """The access world where b2 (Vendor B) reviews a1's label, so Vendor A's manager and a1 now see b2 and Vendor
    B, as the matrix says they should."""
    world = await build_access_world(database)
    async with database.transaction() as session:
        session.add(
            m.Review(
                label_id=world.ids["l1"], reviewer_id=world.ids["b2"], verdict=ReviewVerdict.THUMBS_UP,
                seconds_to_review=4.0,
            )
        )  # fmt: skip
    return world
