"""Fixtures for API tests over HTTP: the app on the test database, and an authenticated admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.auth.users import ensure_admin_key
from server.db import Database
from server.settings import Settings

__all__ = ["http_client"]


def http_client(database: Database, headers: dict[str, str] | None = None, **settings: Any) -> httpx.AsyncClient:
    """An HTTP client of the whole application (access guard included) on `database`."""
    app = create_app(Settings(database_url=database.url, **settings), database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


@pytest.fixture
async def api_headers(database: Database) -> dict[str, str]:
    """`Authorization` headers of a freshly created admin of the test database."""
    async with database.transaction() as session:
        issued = await ensure_admin_key(session, email="test-admin@example.com", key_name="test")
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
async def admin_client(database: Database, api_headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the application, authenticated as an admin."""
    async with http_client(database, api_headers) as client:
        yield client
