"""A live server on the access-control workspace, shared by the tests of one attack module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.attacks.probe import ProbeReport, probe_beside
from tests.server.live_server import LiveServer, drop_database, live_server, prepare_world

__all__ = ["MAX_PROBE_SECONDS", "Served", "served_world"]

# The slowest /health answer tolerated beside an attack: the event loop may be held ~100 ms by one request, and
# loopback HTTP on two cores shared with other work adds up to a few hundred ms more (probes of 0.2-0.3 s were
# seen beside cheap requests on a loaded machine). The attacks these tests guard against held it 3 to 40 s.
MAX_PROBE_SECONDS = 0.5


@dataclass
class Served:
    server: LiveServer
    world: AccessWorld

    async def post_beside_probe(
        self, query: str, variables: dict[str, Any] | None = None, *, role: str = "admin"
    ) -> tuple[dict[str, Any], ProbeReport]:
        """Send one GraphQL request as `role` while probing /health; (the JSON answer, the probe report)."""
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=600) as client:
            request = client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=self.world.headers(role)
            )
            response, report = await probe_beside(self.server.base_url, request)
        return response.json(), report


@contextmanager
def served_world(directory: Path) -> Iterator[Served]:
    url = test_database_url(directory)
    world = prepare_world(url)
    try:
        with live_server(url) as server:
            yield Served(server, world)
    finally:
        drop_database(url)
