"""Shared fixtures: a fresh database per test, on SQLite by default or on LABELOPS_TEST_DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from server.db import Base, Database

TEST_DATABASE_URL_VARIABLE = "LABELOPS_TEST_DATABASE_URL"


EXPECTED_DIALECT_VARIABLE = "LABELOPS_EXPECT_DIALECT"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    where = f"the server at {make_url(url).render_as_string(hide_password=True)}" if url else "SQLite files"
    return f"database tests run on {where}"


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


_schemas_reset: set[str] = set()


async def _fresh_schema(db: Database) -> None:
    """Give `db` the current schema with no rows.

    SQLite files are new for every test. A server database is reset once per run (dropping tables left by
    an older schema), then only emptied: TRUNCATE costs a fraction of dropping and creating every table.
    """
    async with db.engine.begin() as connection:
        if db.dialect == "sqlite" or db.url not in _schemas_reset:
            await connection.run_sync(Base.metadata.drop_all)
            _schemas_reset.add(db.url)
        await connection.run_sync(Base.metadata.create_all)
        if db.dialect != "sqlite":
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database with the current schema."""
    db = Database(test_database_url(tmp_path))
    await _fresh_schema(db)
    try:
        yield db
    finally:
        await db.dispose()
