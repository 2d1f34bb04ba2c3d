"""Async engines and sessions: one engine per database URL, one session per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from simulator.extras import require

__all__ = ["Database"]


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Analytics read hundreds of megabytes: map the file instead of copying pages through SQLite's small cache.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


class Database:
    """Owns the async engine and hands out sessions; a session is never shared between concurrent tasks."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer at a time; under many concurrent writers a 5 s lock wait (the driver's default) is
        # too short and surfaces as "database is locked". PostgreSQL locks rows and needs no such setting.
        connect_args: dict[str, Any] = {"timeout": 30} if parsed.get_backend_name() == "sqlite" else {}
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg":
            require("asyncpg", "a PostgreSQL database")
            # JIT compiling the analytics' scans costs more than running them; the sorts behind percentiles want
            # more than the default 4 MB of work memory to stay off disk. The default random_page_cost (4) prices
            # a page read as a spinning disk's seek: with it the planner hashed a project's 440k tasks to join the
            # ~20k labels of a window's edges instead of probing the tasks' key (195 ms against 61 ms on a million
            # labels); 1.1 is the usual value for SSDs and cached data. Set once per connection.
            connect_args["server_settings"] = {"jit": "off", "work_mem": "64MB", "random_page_cost": "1.1"}
        # A server's connections can drop (restarts, idle timeouts): ping them when checked out. A SQLite file's never
        # do, and there a ping is four thread hops of the driver on every session, most of a short read's time.
        pre_ping = parsed.get_backend_name() != "sqlite"
        self.engine: AsyncEngine = create_async_engine(
            url, echo=echo, pool_pre_ping=pre_ping, connect_args=connect_args
        )
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        # A Session class of this database's own, so that session event listeners (the alerts' change marks)
        # hear this database's sessions and no other's.
        self.session_class: type[Session] = type("DatabaseSession", (Session,), {})
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=self.session_class)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back whole on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
