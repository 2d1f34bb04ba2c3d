"""The demo workspace seeded into a scratch SQLite file, for the benchmarks that read the demo's records."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from server.db import Database
from server.db.models import Base
from server.services.demo.seed import seed_demo

__all__ = ["DEMO_ANCHOR", "demo_database"]

DEMO_ANCHOR = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: every benchmark reads the same calendar of history


@asynccontextmanager
async def demo_database(seed: int) -> AsyncIterator[Database]:
    """A database holding the demo generated with `seed`, removed (and its engine disposed) on leaving."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'demo.sqlite3'}")
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            await seed_demo(database, seed=seed, anchor=DEMO_ANCHOR)
            yield database
        finally:
            await database.dispose()
