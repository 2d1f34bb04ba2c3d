"""A request's independent reads run side by side on connections of their own (`in_lanes`): each read's result
in its place, the same dashboard and metrics as one session gives, borrowed connections returned whatever happens,
a failing read raised as itself, and with no connection to borrow, every read on the request's own session."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.services.analytics import Scope, project_dashboard
from server.services.analytics.dashboard import scope_metrics
from server.services.analytics.lanes import READ_LANES, Read, in_lanes
from server.services.errors import NotFound
from tests.server.test_analytics_demo import ANCHOR, END, START, _assert_same, _seeded

WINDOWS = {
    "whole days": (START, END),
    "cut inside days": (START + timedelta(hours=5, minutes=30), END - timedelta(hours=3)),
    "whole history": (None, None),
}


async def _backend_id(session: AsyncSession) -> object:
    """Which connection the session runs on, as the database knows it."""
    if session.get_bind().dialect.name == "postgresql":
        return await session.scalar(text("SELECT pg_backend_pid()"))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return id(raw.driver_connection)


async def test_reads_run_at_once_on_connections_of_their_own(database: Database) -> None:
    both_started = asyncio.Barrier(READ_LANES)

    async def read(session: AsyncSession) -> object:
        backend = await _backend_id(session)
        # Every lane must be inside a read at once to pass the barrier: run one after another, they never do.
        await asyncio.wait_for(both_started.wait(), timeout=10)
        return backend, session

    async with database.session() as session:
        results = await in_lanes(database, session, [read] * READ_LANES)
    backends = [backend for backend, _session in results]
    assert len(set(backends)) == READ_LANES
    assert [lane for _backend, lane in results].count(session) == 1
    assert database.reader_loans.lent == 0


def _read_after(delay: float, value: int) -> Read:
    async def read(session: AsyncSession) -> int:
        await session.execute(text("SELECT 1"))
        await asyncio.sleep(delay)
        return value

    return read


async def test_results_keep_the_order_of_the_reads(database: Database) -> None:
    # The first reads take longest: finished in another order than given.
    reads = [_read_after(0.05 * (7 - i), i) for i in range(7)]
    async with database.session() as session:
        assert await in_lanes(database, session, reads) == list(range(7))
    assert database.reader_loans.lent == 0


async def test_without_a_connection_to_borrow_every_read_runs_on_the_request_session(database: Database) -> None:
    seen: list[AsyncSession] = []

    async def read(session: AsyncSession) -> int:
        seen.append(session)
        return int(await session.scalar(text("SELECT 2")) or 0)

    database.reader_loans.lent = database.reader_loans.limit  # every connection out on loan
    async with database.session() as session:
        assert await in_lanes(database, session, [read] * 4) == [2] * 4
    assert seen == [session] * 4
    database.reader_loans.lent = 0
    async with database.session() as session:
        assert await in_lanes(None, session, [read] * 2) == [2, 2]
    assert seen[-2:] == [session] * 2


@pytest.mark.parametrize("failing", [0, 1])
async def test_a_failing_read_is_raised_as_itself_and_every_loan_comes_back(database: Database, failing: int) -> None:
    async def fail(session: AsyncSession) -> int:
        await session.execute(text("SELECT 1"))
        raise NotFound("Project", 404, path=("project_id",))

    reads = [_read_after(0.2, i) for i in range(READ_LANES)]
    reads[failing] = fail  # on the request's own lane (0) or a borrowed one (1)
    async with database.session() as session:
        with pytest.raises(NotFound):
            await in_lanes(database, session, reads)
        assert database.reader_loans.lent == 0
        # The request's session still reads after a lane failed beside it.
        assert await in_lanes(database, session, [_read_after(0, 5), _read_after(0, 6)]) == [5, 6]
    assert database.reader_loans.lent == 0


async def test_dashboard_and_metrics_in_lanes_equal_those_of_one_session(database: Database) -> None:
    project_ids = await _seeded(database)
    for project_id in project_ids:
        for start, end in WINDOWS.values():
            results = []
            for lent_from in (None, database):
                async with database.session() as session:
                    results.append(
                        await project_dashboard(
                            session, project_id, start=start, end=end, as_of=end or ANCHOR, database=lent_from
                        )
                    )
            _assert_same(results[0], results[1])
            scope = Scope(project_id=project_id, start=start, end=end)
            metrics = []
            for lent_from in (None, database):
                async with database.session() as session:
                    metrics.append(await scope_metrics(session, scope, lent_from))
            _assert_same(metrics[0], metrics[1])
    assert database.reader_loans.lent == 0


async def test_concurrent_requests_share_the_loans_and_all_answer(database: Database) -> None:
    """More requests at once than there are connections to lend (and, on PostgreSQL, than the pool holds): those
    that find none left read on their own session, every one answers, and no more is ever lent than the limit."""
    project_ids = await _seeded(database)
    scope = Scope(project_id=project_ids[0], start=START, end=END)
    async with database.session() as session:
        expected = await scope_metrics(session, scope)
    most_lent = 0
    take = database.reader_loans.take

    def watched_take(wanted: int) -> int:
        nonlocal most_lent
        granted = take(wanted)
        most_lent = max(most_lent, database.reader_loans.lent)
        return granted

    database.reader_loans.take = watched_take  # type: ignore[method-assign]

    async def request() -> object:
        async with database.session() as session:
            return await scope_metrics(session, scope, database)

    answers = await asyncio.wait_for(asyncio.gather(*(request() for _ in range(20))), timeout=120)
    for answer in answers:
        _assert_same(expected, answer)
    assert most_lent == database.reader_loans.limit
    assert database.reader_loans.lent == 0
