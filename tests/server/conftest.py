"""Fixtures for API tests over HTTP: the app on the test database, and an authenticated admin; and a database of
its own for command-line tests."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.app import create_app
from server.auth.users import ensure_admin_key
from server.db import Database
from server.settings import Settings
from tests.conftest import TEST_DATABASE_URL_VARIABLE

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


def _admin_url(configured: str) -> str:
    return make_url(configured).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def unmigrated_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own, never migrated: a new SQLite file, or a new PostgreSQL database."""
    configured = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    if not configured:
        yield f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    name = f"labelops_cli_{uuid.uuid4().hex[:12]}"

    async def administer(statement: str) -> None:
        admin = create_async_engine(_admin_url(configured), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await admin.dispose()

    asyncio.run(administer(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(configured).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
