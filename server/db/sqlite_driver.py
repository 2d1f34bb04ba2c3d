"""SQLite through aiosqlite with one hand-off to the connection's thread per statement.

aiosqlite runs each sqlite3 connection on a thread of its own; every call crosses to it and back (a queue put, the
thread waking, a future resolved through `call_soon_threadsafe`). SQLAlchemy's adapter for it awaits the cursor's
creation, the execute, the fetch of the rows and the close separately: four crossings per statement, plus a
rollback when a session ends even if nothing was written. On a request of a few statements those crossings were
most of the CPU spent outside Strawberry.

This adapter keeps SQLAlchemy's `sqlite+aiosqlite` dialect and replaces only the DBAPI shim it talks to (passed as
`module=` to the engine, see `engine_arguments`):
- a statement runs as one function on the driver's thread: create a cursor, execute (or executemany), fetch every
  row, read `description`, `rowcount` and `lastrowid`, close; the cursor SQLAlchemy sees holds those values;
- `commit` and `rollback` cross only when the connection is inside a transaction (sqlite3 itself does nothing
  otherwise), so a session that only read ends without a crossing; BEGIN costs none (sqlite3 opens the
  transaction itself before the first write, as with the stock adapter). The flag is read while no statement of
  the connection is on its way: SQLAlchemy awaits each one, and invalidates (closes, after the statement, which
  rolls back) a connection whose statement was cancelled, so a skipped rollback never leaves a write open.
Errors raised on the driver's thread are the sqlite3 exceptions the stock adapter raises, so SQLAlchemy wraps
them the same way (`IntegrityError`, `OperationalError` ...). Server-side (streaming) cursors keep the stock
cursor, which fetches row by row from the thread.

What it relies on, pinned by `tests/server/test_sqlite_driver.py`: the invalidation above; SQLAlchemy's
`AsyncAdapt_aiosqlite_*` classes (the cursor's `_rows` deque read by its fetch methods, the connection's
`_execute_mutex` and `_handle_exception`, the `_cursor_cls` hook); aiosqlite's `Connection._execute(fn, *args)`
(queue a call on its thread and await it), `Connection._connection` (the sqlite3 connection, or None once closed)
and `Connection._conn` (the same, read on that thread).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

__all__ = ["OneHopAiosqliteDBAPI", "engine_arguments", "one_hop_dbapi", "statements_on_loop"]

# What one statement hands back from the driver's thread: description, rows, rowcount, lastrowid.
_Outcome = tuple[Any, list[Any], int, Any]


def _run_statement(driver: Any, operation: Any, parameters: Any, many: bool) -> _Outcome:
    """Runs on the driver's thread: the whole life of one sqlite3 cursor."""
    cursor: sqlite3.Cursor = driver._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        # Read after the fetch: with RETURNING, sqlite3 counts the rows as they are stepped through.
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


# Set around a short write transaction that holds the process's writer turn (`statements_on_loop`).
_ON_LOOP: ContextVar[bool] = ContextVar("labelops_sqlite_on_loop", default=False)


@contextmanager
def statements_on_loop() -> Iterator[None]:
    """Run this task's SQLite statements on the event loop's own thread where none can wait for a lock.

    For short transactions that hold the process's writer turn (a label's submission, a review): each crossing to
    the driver's thread waits behind every other request the loop is serving, and the writer turn (one writer at a
    time) is held through all of those waits. A statement runs here when it cannot wait for another process: once
    the connection is inside its write transaction (WAL lets no one else take the write lock from it), or when it
    only reads (WAL readers never wait). The statement that opens the write transaction, which may wait for
    another process's writer, and bulk statements still cross.
    """
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def _reads_only(operation: Any) -> bool:
    return isinstance(operation, str) and operation.lstrip()[:6].upper() == "SELECT"


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement ran whole on the driver's thread; nothing of it stays open there."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # The stock constructor creates an aiosqlite cursor (a crossing); this cursor makes its own per statement.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def execute(self, operation: Any, parameters: Any = None) -> None:
        try:
            await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        try:
            await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def _runs_on_loop(self, operation: Any, many: bool) -> bool:
        if many or not _ON_LOOP.get():
            return False
        driver = self._connection._connection
        return driver is not None and (driver.in_transaction or _reads_only(operation))

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome
            if self._runs_on_loop(operation, many):
                outcome = _run_statement(self._connection, operation, parameters, many)
            else:
                outcome = await self._connection._execute(_run_statement, self._connection, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the driver's cursor was closed with its statement."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        raise NotImplementedError("sqlite3 cursors have no further result sets")


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Statements through `_OneHopCursor`; commit and rollback only when a transaction is open."""

    __slots__ = ()

    _cursor_cls = _OneHopCursor

    def _in_transaction(self) -> bool:
        # aiosqlite reads this from the caller's thread too (`Connection.in_transaction`): sqlite3 answers it from
        # the connection's autocommit flag without touching the database.
        driver = self._connection
        return driver._connection is not None and bool(driver._connection.in_transaction)

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()


class OneHopAiosqliteDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, its connections adapted by `_OneHopConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        stock = super().connect(*arg, **kw)
        return _OneHopConnection(self, stock._connection)


_DBAPI: OneHopAiosqliteDBAPI | None = None


def one_hop_dbapi() -> OneHopAiosqliteDBAPI:
    """The process's one shim (built on first use, as SQLAlchemy builds its own)."""
    global _DBAPI
    if _DBAPI is None:
        _DBAPI = OneHopAiosqliteDBAPI(__import__("aiosqlite"), sqlite3)
    return _DBAPI


def engine_arguments(url: str | URL) -> dict[str, Any]:
    """Keyword arguments for `create_async_engine(url, ...)`: the one-hop shim for `sqlite+aiosqlite` URLs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "aiosqlite":
        return {"module": one_hop_dbapi()}
    return {}
