"""Async engines and sessions: one engine per database URL, one session per unit of work."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from server.db.sqlite_driver import engine_arguments, statements_on_loop
from simulator.extras import require

__all__ = ["Database", "ReaderLoans"]


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Analytics read hundreds of megabytes: map the file instead of copying pages through SQLite's small cache.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
    # SQLite's own lower() folds ASCII letters only: `lower(name) = 'été'` missed 'Été', so names differing in
    # case were not duplicates and `nameContains` missed them, where PostgreSQL's lower() folds every letter.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


# A connection back in the pool for less than this was working a moment ago: no ping. SQLAlchemy's pre-ping checks
# every checkout, which with asyncpg is three round trips (BEGIN, an empty statement, ROLLBACK): under load more
# than a short read's own statements, and the database server's CPU as much as ours.
PING_AFTER_IDLE_SECONDS = 1.0
# SQLAlchemy's default ceiling (5 kept + 10 overflow) per process, all of it kept.
_SERVER_POOL_SIZE = 15
_RETURNED_AT = "labelops_returned_at"


def _note_return(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


def _ping_when_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat in the pool; a dead one is replaced before anyone uses it."""
    returned = record.info.get(_RETURNED_AT)
    if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:  # whatever the driver raises for a dead socket: the pool reconnects and retries
        raise DisconnectionError(f"ping failed: {type(error).__name__}") from error


# Of the pool's 15 connections (PostgreSQL; SQLite's pool allows as many), those lent at once to side reads.
_LENDABLE_READERS = 4


class ReaderLoans:
    """A count of connections lent for side reads, taken without waiting: a request that finds none left runs its
    reads on its own session instead of queueing for the pool (where it could wait on requests waiting on it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lent = 0

    def take(self, wanted: int) -> int:
        """Lend up to `wanted` connections; how many were lent (give each back with `give_back`)."""
        granted = max(0, min(wanted, self.limit - self.lent))
        self.lent += granted
        return granted

    def give_back(self, count: int = 1) -> None:
        self.lent -= count


# Set while a task is inside one of the process's SQLite write transactions: a transaction opened under it (or by a
# task it spawned) does not wait for the writer turn its own caller holds.
_HOLDS_WRITER_TURN: ContextVar[bool] = ContextVar("labelops_holds_writer_turn", default=False)


class Database:
    """Owns the async engine and hands out sessions; a session is never shared between concurrent tasks."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer at a time; under many concurrent writers a 5 s lock wait (the driver's default) is
        # too short and surfaces as "database is locked". PostgreSQL locks rows and needs no such setting.
        # A connection is used from the loop's thread as well as the driver's (`statements_on_loop`), never from
        # both at once: each statement holds the connection's execute mutex.
        connect_args: dict[str, Any] = (
            {"timeout": 30, "check_same_thread": False} if parsed.get_backend_name() == "sqlite" else {}
        )
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg":
            require("asyncpg", "a PostgreSQL database")
            # JIT compiling the analytics' scans costs more than running them; the sorts behind percentiles want
            # more than the default 4 MB of work memory to stay off disk. The default random_page_cost (4) prices
            # a page read as a spinning disk's seek: with it the planner hashed a project's 440k tasks to join the
            # ~20k labels of a window's edges instead of probing the tasks' key (195 ms against 61 ms on a million
            # labels); 1.1 is the usual value for SSDs and cached data. Set once per connection.
            connect_args["server_settings"] = {"jit": "off", "work_mem": "64MB", "random_page_cost": "1.1"}
        pool: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            # Keep every connection the pool may open (the default keeps 5 of 15 and closes the rest as they come
            # back): under load a new one costs a server process, authentication and the driver's type set-up.
            pool = {"pool_size": _SERVER_POOL_SIZE, "max_overflow": 0}
        # On SQLite each statement crosses to aiosqlite's thread once instead of four times (`sqlite_driver`).
        self.engine: AsyncEngine = create_async_engine(
            url, echo=echo, connect_args=connect_args, **pool, **engine_arguments(parsed)
        )
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        else:
            # A server's connections can drop (restarts, idle timeouts): ping those that sat idle in the pool (see
            # `_ping_when_idle`). A SQLite file's never do, and there a ping is four thread hops of the driver.
            event.listen(self.engine.sync_engine, "connect", _note_return)  # a new connection needs no ping
            event.listen(self.engine.sync_engine, "checkin", _note_return)
            event.listen(self.engine.sync_engine, "checkout", _ping_when_idle)
        # SQLite lets one transaction write at a time and makes the others sleep in its busy handler (1, 2, 5, 10 ...
        # 100 ms naps): under 50 concurrent writers the lock sat free while its waiters slept, and one unlucky
        # writer waited seconds. Writers of this process take turns on an asyncio lock instead and find the file
        # free; the busy timeout still arbitrates with other processes. One lock per event loop (tests run several).
        self._serialize_writers = parsed.get_backend_name() == "sqlite"
        self._writer_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # A Session class of this database's own, so that session event listeners (the alerts' change marks)
        # hear this database's sessions and no other's.
        self.session_class: type[Session] = type("DatabaseSession", (Session,), {})
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=self.session_class)
        # Reads that write nothing need no transaction on PostgreSQL: under READ COMMITTED every statement takes its
        # own snapshot whether or not a transaction wraps them, so BEGIN and ROLLBACK (two round trips a session,
        # and the server's work for them) buy nothing. The same pool, the connection flagged autocommit while it is
        # out (a flag in asyncpg, no round trip). SQLite's driver opens no transaction for a SELECT anyway, and
        # switching its connections' mode would cost driver-thread hops: its reads keep the engine.
        self.read_engine: AsyncEngine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if parsed.get_backend_name() == "postgresql"
            else self.engine
        )
        # Connections requests may borrow at once to run independent reads side by side (`read_lanes`), so the
        # pool keeps room for everyone else. None for an in-memory SQLite database: each of its connections would
        # be a database of its own.
        in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
        self.reader_loans = ReaderLoans(0 if in_memory else _LENDABLE_READERS)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (on PostgreSQL in autocommit: see `read_engine`)."""
        async with self.sessions(bind=self.read_engine) as session:
            yield session

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back whole on any error.

        `short`: a few index lookups and small writes, which on SQLite run on the loop's thread once the writer
        turn is held (`statements_on_loop`); leave it off for anything that reads or writes in bulk.
        """
        async with self.writer_turn():
            if short and self._serialize_writers:
                with statements_on_loop():
                    async with self.sessions() as session, session.begin():
                        yield session
            else:
                async with self.sessions() as session, session.begin():
                    yield session

    @asynccontextmanager
    async def writer_turn(self) -> AsyncIterator[None]:
        """This process's turn to write (SQLite: one transaction at a time; other databases: no wait)."""
        if not self._serialize_writers or _HOLDS_WRITER_TURN.get():
            yield
            return
        loop = asyncio.get_running_loop()
        turn = self._writer_turns.get(loop)
        if turn is None:
            turn = self._writer_turns[loop] = asyncio.Lock()
        async with turn:
            token = _HOLDS_WRITER_TURN.set(True)
            try:
                yield
            finally:
                _HOLDS_WRITER_TURN.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()
