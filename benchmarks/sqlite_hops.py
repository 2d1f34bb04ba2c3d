"""CPU per SQLite session: SQLAlchemy's stock aiosqlite adapter against the one-hop one (`server/db/sqlite_driver.py`).

Both engines open the same file in one process; each round runs a block of sessions on each in turn (the order
alternating) and divides the process's CPU time (`time.process_time`: every thread, so the driver's threads too)
by the block. Prints per workload the median per session of each adapter, the ratio of the medians, and the median
of the paired per-round ratios with a bootstrap 95% interval (fixed seed). Workloads:
- `select 1`: a session that runs `SELECT 1` and closes;
- `read 20 rows`: a session reading 20 rows of a 1,000-row table by key range;
- `write`: a transaction inserting one row and updating another, committed.

    PYTHONPATH=. .venv/bin/python -m benchmarks.sqlite_hops --rounds 21 --block 400
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from server.db.sqlite_driver import engine_arguments

_Workload = Callable[[async_sessionmaker[AsyncSession]], Awaitable[None]]


async def _select_1(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        (await session.execute(text("SELECT 1"))).scalar_one()


async def _read_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        start = random.randrange(1, 980)
        rows = (await session.execute(text("SELECT id, name FROM t WHERE id >= :s LIMIT 20"), {"s": start})).all()
        assert len(rows) == 20


async def _write(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO w (v) VALUES (:v)"), {"v": "x"})
        await session.execute(text("UPDATE t SET n = n + 1 WHERE id = :id"), {"id": random.randrange(1, 1000)})


WORKLOADS: dict[str, _Workload] = {"select 1": _select_1, "read 20 rows": _read_rows, "write": _write}


async def _block(sessions: async_sessionmaker[AsyncSession], workload: _Workload, size: int) -> float:
    start = time.process_time()
    for _ in range(size):
        await workload(sessions)
    return (time.process_time() - start) / size


def _bootstrap(ratios: list[float], seed: int = 19) -> tuple[float, float]:
    generator = random.Random(seed)
    medians = sorted(statistics.median(generator.choices(ratios, k=len(ratios))) for _ in range(2000))
    return medians[50], medians[1949]


async def main(rounds: int, block: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'hops.sqlite3'}"
        engines: dict[str, AsyncEngine] = {
            "stock": create_async_engine(url, connect_args={"timeout": 30}),
            "one hop": create_async_engine(url, connect_args={"timeout": 30}, **engine_arguments(url)),
        }
        async with engines["stock"].begin() as connection:
            await connection.execute(text("PRAGMA journal_mode=WAL"))
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)"))
            await connection.execute(text("CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT)"))
            await connection.execute(
                text("INSERT INTO t (name, n) VALUES (:name, 0)"), [{"name": f"row {i}"} for i in range(1000)]
            )
        sessions = {name: async_sessionmaker(engine, expire_on_commit=False) for name, engine in engines.items()}
        print(f"{'workload':<14} {'stock':>10} {'one hop':>10} {'ratio':>7}  paired (95% CI)")
        for label, workload in WORKLOADS.items():
            for maker in sessions.values():  # warm-up: connections open, statements cached
                for _ in range(50):
                    await workload(maker)
            figures: dict[str, list[float]] = {name: [] for name in sessions}
            for index in range(rounds):
                order = list(sessions) if index % 2 == 0 else list(reversed(sessions))
                for name in order:
                    figures[name].append(await _block(sessions[name], workload, block))
            stock, one_hop = (statistics.median(figures[name]) for name in ("stock", "one hop"))
            paired = [new / old for new, old in zip(figures["one hop"], figures["stock"], strict=True)]
            low, high = _bootstrap(paired)
            print(
                f"{label:<14} {stock * 1e3:>8.3f}ms {one_hop * 1e3:>8.3f}ms {one_hop / stock:>7.2f}  "
                f"{statistics.median(paired):.2f} ({low:.2f}-{high:.2f})"
            )
        for engine in engines.values():
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--block", type=int, default=400, help="sessions per adapter and round")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.block))
