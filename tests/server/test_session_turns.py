"""How sessions meet the database under concurrency: SQLite writers of one process take turns instead of sleeping
in the file's busy handler, and PostgreSQL reads run outside a transaction (no BEGIN and ROLLBACK round trips)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text

from server.auth.identity import SYSTEM
from server.auth.scoping import scoped_reads
from server.db import Database
from server.db.models import PricingModel, Vendor, WorkforceType

WRITERS = 8


async def _write_vendors_concurrently(database: Database) -> int:
    """`WRITERS` transactions started together, each writing a row and dwelling; the most inside at once."""
    inside = 0
    most = 0

    async def writer(index: int) -> None:
        nonlocal inside, most
        async with database.transaction() as session:
            inside += 1
            most = max(most, inside)
            session.add(
                Vendor(
                    name=f"vendor-{index}",
                    workforce_type=WorkforceType.CROWD,
                    pricing_model=PricingModel.PER_LABEL,
                    rate=0.1,
                )
            )
            await session.flush()
            await asyncio.sleep(0.02)  # the transaction stays open while other tasks run
            inside -= 1

    await asyncio.gather(*(writer(index) for index in range(WRITERS)))
    return most


async def test_given_concurrent_write_transactions_when_they_run_then_sqlite_ones_take_turns_and_all_commit(
    database: Database,
) -> None:
    most = await _write_vendors_concurrently(database)

    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Vendor)) == WRITERS
    if database.dialect == "sqlite":
        assert most == 1  # never two waiting on the file's write lock at once
    else:
        assert most == WRITERS  # PostgreSQL locks rows: no turns


async def test_given_a_write_transaction_when_it_opens_another_then_the_inner_one_does_not_wait_for_the_outer(
    database: Database,
) -> None:
    async def nested() -> int:
        async with database.transaction() as outer:
            await outer.execute(select(1))
            async with database.transaction() as inner:
                return int((await inner.execute(select(2))).scalar_one())

    assert await asyncio.wait_for(nested(), timeout=10) == 2


async def test_given_an_api_read_session_when_it_runs_two_statements_then_postgresql_gives_each_its_own_transaction(
    database: Database,
) -> None:
    if database.dialect != "postgresql":
        # SQLite's driver opens no transaction for a SELECT: its reads are already outside one.
        return
    moment = text("SELECT transaction_timestamp()")
    pause = text("SELECT pg_sleep(0.01)")

    async with scoped_reads(database, SYSTEM) as session:
        first = await session.scalar(moment)
        await session.execute(pause)
        second = await session.scalar(moment)
    assert first != second  # autocommit: no BEGIN, no ROLLBACK to send

    async with database.transaction() as session:
        first = await session.scalar(moment)
        await session.execute(pause)
        second = await session.scalar(moment)
    assert first == second  # writes keep their transaction
