"""Pooled connections to a database server: pinged after sitting idle, not on every checkout, and a dead one is
replaced before a request sees it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

from server.db import Database
from server.db import session as db_session


def _count_pings(monkeypatch: pytest.MonkeyPatch, connection_class: Any) -> list[object]:
    pings: list[object] = []
    ping = connection_class.ping

    def counted(self: Any) -> Any:
        pings.append(self)
        return ping(self)

    monkeypatch.setattr(connection_class, "ping", counted)
    return pings


async def _backend_pid(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_given_a_connection_returned_a_moment_ago_when_checked_out_again_then_it_is_not_pinged(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite connections are never pinged")
    pings = _count_pings(monkeypatch, AsyncAdapt_asyncpg_connection)
    first = await _backend_pid(database)
    second = await _backend_pid(database)
    assert second == first  # the same pooled connection, straight back
    assert pings == []


async def test_given_an_idle_connection_the_server_killed_when_checked_out_then_a_new_one_answers(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite connections do not drop")
    killed = await _backend_pid(database)
    other = Database(database.url)
    try:
        async with other.session() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
    finally:
        await other.dispose()
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it sat in the pool for long
    pings = _count_pings(monkeypatch, AsyncAdapt_asyncpg_connection)
    assert await _backend_pid(database) != killed
    assert len(pings) >= 1
