"""Shared fixtures: a fresh database per test, on SQLite by default or on LABELOPS_TEST_DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.db import Base, Database

TEST_DATABASE_URL_VARIABLE = "LABELOPS_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "database: uses a real database (runs again on PostgreSQL in CI)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


def test_database_url(tmp_path: Path) -> str:
    """The URL tests run against: the configured server, or a throw-away SQLite file."""
    return os.environ.get(TEST_DATABASE_URL_VARIABLE) or f"sqlite+aiosqlite:///{tmp_path / 'labelops.sqlite3'}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database with the current schema, dropped again afterwards."""
    db = Database(test_database_url(tmp_path))
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield db
    finally:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
        await db.dispose()
