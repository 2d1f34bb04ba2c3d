"""SQLite statements cross to aiosqlite's thread once each (`server/db/sqlite_driver.py`), and behave as they did
through SQLAlchemy's stock aiosqlite adapter: the same rowcounts, row ids, descriptions, exceptions and rollbacks.

The behaviour tests run on both adapters (`stock` is `create_async_engine(url)` as SQLAlchemy ships it), so a
difference between them fails here. Crossings are counted from aiosqlite's own log (`driver_crossings`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from server.db import Database
from server.db.sqlite_driver import OneHopAiosqliteDBAPI, engine_arguments
from tests.server.engine_events import driver_crossings

_metadata = MetaData()
_items = Table(
    "items",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False, unique=True),
)


@pytest.fixture
def crossings() -> Iterator[list[str]]:
    """Every call run on an aiosqlite connection's thread while the test runs."""
    with driver_crossings() as calls:
        yield calls


@pytest.fixture(params=["one_hop", "stock"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}"
    arguments = engine_arguments(url) if request.param == "one_hop" else {}
    created = create_async_engine(url, **arguments)
    async with created.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    try:
        yield created
    finally:
        await created.dispose()


@pytest.fixture
async def items_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A `Database` on a fresh file holding the items table."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'items.sqlite3'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


async def _names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(_items.c.name).order_by(_items.c.name))).scalars())


# --- crossings -------------------------------------------------------------------------------------------------


async def test_given_a_sqlite_database_when_a_session_runs_select_1_then_it_crosses_to_the_driver_once(
    tmp_path: Path, crossings: list[str]
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        async with database.session() as session:  # opens the pooled connection (its pragmas cross too)
            await session.execute(text("SELECT 1"))
        crossings.clear()
        async with database.session() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
            assert len(crossings) == 1  # cursor, execute, fetch and close in one call
        assert len(crossings) == 1  # nothing to roll back: the session ends without a crossing
    finally:
        await database.dispose()


async def test_given_a_write_transaction_when_it_commits_then_each_statement_and_the_commit_cross_once(
    items_database: Database, crossings: list[str]
) -> None:
    crossings.clear()
    async with items_database.transaction() as session:
        await session.execute(insert(_items).values(name="a"))
        await session.execute(insert(_items), [{"name": "b"}, {"name": "c"}])  # executemany
        await session.execute(select(_items.c.id))
    assert len(crossings) == 4  # three statements and the commit


async def test_given_a_short_transaction_when_it_writes_then_only_the_opening_write_bulk_and_commit_cross(
    items_database: Database, crossings: list[str]
) -> None:
    async with items_database.session() as session:  # the pooled connection's pragmas cross before the count
        await session.execute(text("SELECT 1"))
    crossings.clear()
    async with items_database.transaction(short=True) as session:
        assert (await session.execute(select(_items.c.id))).all() == []  # a read, before the write: here
        await session.execute(insert(_items).values(name="a"))  # opens the write transaction: crosses
        await session.execute(_items.update().where(_items.c.name == "a").values(name="b"))  # here
        await session.execute(insert(_items), [{"name": "c"}, {"name": "d"}])  # executemany: crosses
        names = (await session.execute(select(_items.c.name).order_by(_items.c.name))).scalars().all()
    assert names == ["b", "c", "d"]
    assert len(crossings) == 3  # the opening write, the executemany and the commit
    assert await _names(items_database.engine) == ["b", "c", "d"]


async def test_given_a_short_transaction_when_a_write_on_the_loop_fails_then_integrity_error_and_nothing_stays(
    items_database: Database,
) -> None:
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with items_database.transaction(short=True) as session:
            await session.execute(insert(_items).values(name="a"))
            await session.execute(insert(_items).values(name="b"))  # on the loop's thread
            await session.execute(insert(_items).values(name="a"))  # on the loop's thread, refused
    assert await _names(items_database.engine) == []
    async with items_database.transaction(short=True) as session:  # the connection is usable again
        await session.execute(insert(_items).values(name="c"))
    assert await _names(items_database.engine) == ["c"]


async def test_given_another_connection_writing_when_a_short_transaction_opens_its_write_then_the_loop_keeps_running(
    items_database: Database, tmp_path: Path
) -> None:
    holder = sqlite3.connect(tmp_path / "items.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file's write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.3, holder.rollback)
    async with items_database.transaction(short=True) as session:
        await session.execute(insert(_items).values(name="a"))  # waits for the lock off the loop's thread
    ticker.cancel()
    holder.close()
    # then the loop served the ticker while the write waited (blocked, it would have ticked once)
    assert ticks >= 10
    assert await _names(items_database.engine) == ["a"]


def test_given_urls_when_engine_arguments_are_asked_then_only_sqlite_aiosqlite_gets_the_one_hop_driver() -> None:
    assert isinstance(engine_arguments("sqlite+aiosqlite:///x.sqlite3")["module"], OneHopAiosqliteDBAPI)
    assert engine_arguments("postgresql+asyncpg://u@h/db") == {}
    assert engine_arguments("sqlite:///x.sqlite3") == {}  # the synchronous driver has no thread to cross to


# --- behaviour, on both adapters -------------------------------------------------------------------------------


async def test_given_rows_when_updated_deleted_and_selected_then_rowcounts_match_the_stock_adapter(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(_items), [{"name": name} for name in "abcde"])
        assert inserted.rowcount == 5
        updated = await connection.execute(text("UPDATE items SET name = name || 'x' WHERE name IN ('a', 'b', 'c')"))
        assert updated.rowcount == 3
        deleted = await connection.execute(text("DELETE FROM items WHERE name = 'nobody'"))
        assert deleted.rowcount == 0
        selected = await connection.execute(text("SELECT * FROM items"))
        assert selected.cursor is not None and selected.cursor.rowcount == -1  # sqlite3: unknown for a SELECT
        assert len(selected.all()) == 5


async def test_given_inserts_when_run_then_lastrowid_and_returning_match_the_stock_adapter(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(text("INSERT INTO items (name) VALUES ('a')"))
        second = await connection.execute(text("INSERT INTO items (name) VALUES ('b')"))
        assert (first.lastrowid, second.lastrowid) == (1, 2)
        orm_style = await connection.execute(insert(_items).values(name="c"))
        assert tuple(orm_style.inserted_primary_key or ()) == (3,)
        returned = await connection.execute(
            text("UPDATE items SET name = name || 'x' WHERE id >= 2 RETURNING id, name")
        )
        assert sorted(returned.all()) == [(2, "bx"), (3, "cx")]
        assert returned.rowcount == 2


async def test_given_many_parameter_sets_when_executemany_runs_then_every_row_is_written(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        result = await connection.execute(insert(_items), [{"name": f"item-{index}"} for index in range(250)])
        assert result.rowcount == 250
    assert len(await _names(engine)) == 250


async def test_given_no_matching_rows_when_selected_then_the_columns_are_still_described(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        empty = await connection.execute(select(_items.c.id, _items.c.name).where(_items.c.name == "nobody"))
        assert list(empty.keys()) == ["id", "name"]
        assert empty.all() == []
        assert empty.cursor is None or [column[0] for column in empty.cursor.description] == ["id", "name"]
        nothing = await connection.execute(text("SELECT name FROM items WHERE 0"))
        assert nothing.first() is None
        assert (await connection.execute(select(_items.c.name).limit(1))).scalar_one_or_none() is None


async def test_given_a_duplicate_when_inserted_then_sqlalchemy_raises_integrity_error_and_the_rollback_holds(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(_items).values(name="kept"))
    with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: items\.name") as raised:
        async with engine.begin() as connection:
            await connection.execute(insert(_items).values(name="discarded"))
            await connection.execute(insert(_items).values(name="kept"))
    assert isinstance(raised.value.orig, sqlite3.IntegrityError)
    assert await _names(engine) == ["kept"]  # the transaction's first insert went with it
    async with engine.begin() as connection:  # the pooled connection is usable after the error
        await connection.execute(insert(_items).values(name="after"))
    assert await _names(engine) == ["after", "kept"]


async def test_given_bad_sql_when_executed_then_sqlalchemy_raises_operational_error(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        with pytest.raises(OperationalError, match="no such table: missing"):
            await connection.execute(text("SELECT * FROM missing"))
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1


async def test_given_an_error_inside_a_transaction_when_rolled_back_then_its_writes_are_gone(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(_items).values(name="a"))
        with pytest.raises(IntegrityError):
            await connection.execute(insert(_items).values(name="a"))
        await connection.rollback()
        assert (await connection.execute(select(_items.c.name))).all() == []
        await connection.execute(insert(_items).values(name="b"))
        await connection.commit()
    assert await _names(engine) == ["b"]


async def test_given_a_savepoint_when_rolled_back_then_the_outer_transaction_keeps_its_rows(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(_items).values(name="outer"))
        nested = await connection.begin_nested()
        await connection.execute(insert(_items).values(name="inner"))
        await nested.rollback()
        nested = await connection.begin_nested()
        await connection.execute(insert(_items).values(name="released"))
        await nested.commit()
    assert await _names(engine) == ["outer", "released"]


async def test_given_rows_when_streamed_then_the_server_side_cursor_yields_them_all(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(_items), [{"name": f"n{index:03d}"} for index in range(130)])
    async with engine.connect() as connection:
        streamed = await connection.stream(select(_items.c.name).order_by(_items.c.name))
        names = [name async for name in streamed.scalars()]
    assert names == [f"n{index:03d}" for index in range(130)]


async def test_given_a_statement_cancelled_while_queued_when_the_task_ends_then_nothing_stays_open(
    engine: AsyncEngine,
) -> None:
    """A commit or rollback is skipped when the connection is outside a transaction; a cancelled statement may still
    be waiting for the driver's thread then. SQLAlchemy invalidates a connection whose statement was cancelled, and
    the driver closes it (rolling back) after the statement, so no transaction outlives the task."""
    started = asyncio.Event()

    async def write() -> None:
        async with engine.begin() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            driver._tx.put_nowait((None, lambda: time.sleep(0.3)))  # the driver's thread is busy for a while
            started.set()
            await connection.execute(insert(_items).values(name="cancelled"))

    task = asyncio.create_task(write())
    await started.wait()
    await asyncio.sleep(0.05)  # the INSERT is queued behind the sleep
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.5)  # the thread runs the INSERT, then the close
    assert await _names(engine) == []
    async with engine.begin() as connection:  # the file is not locked by a forgotten transaction
        await connection.execute(insert(_items).values(name="next"))
    assert await _names(engine) == ["next"]
