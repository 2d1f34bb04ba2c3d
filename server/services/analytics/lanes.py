"""A request's independent reads run side by side, each lane on a connection of its own.

A dashboard is a handful of statements that need nothing from each other. Each already reads its own snapshot
(PostgreSQL's reads run in autocommit under READ COMMITTED; SQLite opens no transaction for a SELECT), so running
them on separate connections answers exactly what one connection running them in turn would, while the database
works on two of them at once: PostgreSQL in two server processes, SQLite in two driver threads, which step
statements without the interpreter lock. The request's own session is the first lane; the others borrow
connections from the database's `reader_loans`, without waiting: when none is left the reads stay in fewer lanes,
down to one after another on the request's own session, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database

__all__ = ["READ_LANES", "Read", "in_lanes"]

# The request's own session and two borrowed: with two cores, a third lane keeps both busy while a lane's Python
# works on the rows its statement returned.
READ_LANES = 3

Read = Callable[[AsyncSession], Awaitable[Any]]


async def in_lanes(database: Database | None, session: AsyncSession, reads: Sequence[Read]) -> list[Any]:
    """The results of `reads`, in their order. Each lane takes the next read not yet started, so give the reads
    longest first. With `database` None every read runs on `session`, one after another."""
    borrowed = 0 if database is None else database.reader_loans.take(min(READ_LANES, len(reads)) - 1)
    if borrowed == 0:
        return [await read(session) for read in reads]
    assert database is not None
    results: list[Any] = [None] * len(reads)
    pending = iter(range(len(reads)))

    async def lane(lane_session: AsyncSession) -> None:
        for index in pending:  # shared: each lane takes the next read as it frees up
            results[index] = await reads[index](lane_session)

    async def borrowed_lane() -> None:
        try:
            async with database.read_session() as lane_session:
                await lane(lane_session)
        finally:
            database.reader_loans.give_back()

    tasks = [asyncio.ensure_future(borrowed_lane()) for _ in range(borrowed)]
    try:
        await lane(session)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    # The first failure of a borrowed lane is raised as itself (a domain error stays one), once every lane stopped.
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return results
