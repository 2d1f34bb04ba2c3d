"""Each SQL statement of one analytics request, timed on its own: where a window's time goes, statement by
statement.

The service of a scope (`projectDashboard`'s for the project with the most labels, `operationsMetrics`'s for the
vendor with the most labels on it) is run once to capture its statements and their parameters (a SQLAlchemy
`before_cursor_execute` listener), then each statement is replayed `--runs` times straight through the driver
(all rows fetched) and its median printed, for the 7 whole UTC days before the anchor and the same week cut inside
days (05:30 on the first day to 21:00 on the last). Run it with each checkout on PYTHONPATH, alternating, to
compare two versions of the code:

    PYTHONPATH=. .venv/bin/python -m benchmarks.window_statements --url sqlite+aiosqlite:///bench.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from benchmarks.dashboard_latency import _Case, _subjects
from benchmarks.seed_large import ANCHOR, DEFAULT_SQLITE_URL
from server.db import Database


def _windows(days: int) -> dict[str, tuple[Any, Any]]:
    start = ANCHOR - timedelta(days=days)
    return {
        "whole days": (start, ANCHOR),
        "partial days": (start + timedelta(hours=5, minutes=30), ANCHOR - timedelta(hours=3)),
        "whole history": (None, None),
    }


async def _replay(database: Database, statements: list[tuple[str, Any]], runs: int) -> list[float]:
    seconds: list[list[float]] = [[] for _ in statements]
    for _ in range(runs):
        async with database.engine.connect() as connection:
            for index, (statement, parameters) in enumerate(statements):
                began = time.perf_counter()
                result = await connection.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    result.fetchall()
                seconds[index].append(time.perf_counter() - began)
            await connection.rollback()
    return [statistics.median(values) for values in seconds]


async def _run(url: str, scopes: list[str], days: int, runs: int) -> None:
    ids = await _subjects(url)
    database = Database(url)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        for shape, (start, end) in _windows(days).items():
            for scope in scopes:
                case = _Case(scope, shape, start, end, ids)
                await case.serve(database)  # warm-up: caches, and the statements compiled once
                captured.clear()
                await case.serve(database)
                statements = list(captured)
                medians = await _replay(database, statements, runs)
                for index, ((statement, _), median) in enumerate(zip(statements, medians, strict=True)):
                    text = " ".join(statement.split())[:90]
                    print(f"  {shape:<13} {scope:<8} #{index}: {median * 1000:7.1f} ms  {text}")
                print(f"  {shape:<13} {scope:<8} all {len(statements)}: {sum(medians) * 1000:7.1f} ms", flush=True)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--scopes", nargs="+", default=["project", "vendor"], choices=["project", "vendor", "labeler"])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(_run(args.url, args.scopes, args.days, args.runs))


if __name__ == "__main__":
    main()
