"""The analytics service with its statements one after another against in lanes (`analytics.lanes`), alternated
in one process on the million-label database: wall-clock and CPU medians per scope and window, and their ratio.

`scope_metrics` (what `operationsMetrics` runs) for the project with the most labels, its vendor with the most
labels and that vendor's busiest labeler there, over the 7 whole UTC days before the anchor and the same week cut
inside days (05:30 on the first day to 21:00 on the last). Lanes use the other core only when it is free: run it
on a quiet machine.

    PYTHONPATH=. .venv/bin/python -m benchmarks.dashboard_lanes --url sqlite+aiosqlite:///bench.sqlite3
    PYTHONPATH=. .venv/bin/python -m benchmarks.dashboard_lanes \\
        --url postgresql+asyncpg://postgres@127.0.0.1:5432/labelops_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta

from benchmarks.dashboard_latency import _subjects
from benchmarks.seed_large import ANCHOR, DEFAULT_SQLITE_URL
from server.db import Database
from server.services.analytics import Scope
from server.services.analytics.dashboard import scope_metrics


async def _timed(database: Database, scope: Scope, lanes: bool) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    async with database.session() as session:
        await scope_metrics(session, scope, database if lanes else None)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


async def _run(url: str, runs: int) -> None:
    ids = await _subjects(url)
    database = Database(url)
    start, end = ANCHOR - timedelta(days=7), ANCHOR
    windows = {
        "whole days": (start, end),
        "partial days": (start + timedelta(hours=5, minutes=30), end - timedelta(hours=3)),
    }
    scopes = {
        "project": {"project_id": ids["project"]},
        "vendor": {"vendor_id": ids["vendor"]},
        "labeler": {"labeler_id": ids["labeler"]},
    }
    print(f"load average {os.getloadavg()[0]:.2f}; {runs} alternations, medians (ms)", flush=True)
    try:
        for window, (low, high) in windows.items():
            for name, filters in scopes.items():
                scope = Scope(start=low, end=high, **filters)
                for lanes in (False, True):  # warm-up
                    await _timed(database, scope, lanes)
                timings: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
                for _ in range(runs):
                    for lanes in (False, True):
                        timings[lanes].append(await _timed(database, scope, lanes))
                (seq_wall, seq_cpu), (lane_wall, lane_cpu) = (
                    (statistics.median(w for w, _ in timings[k]), statistics.median(c for _, c in timings[k]))
                    for k in (False, True)
                )
                print(
                    f"  {window:<13} {name:<8} one after another {seq_wall:7.1f} (CPU {seq_cpu:6.1f})  "
                    f"lanes {lane_wall:7.1f} (CPU {lane_cpu:6.1f})  ratio {lane_wall / seq_wall:.2f}",
                    flush=True,
                )
    finally:
        await database.dispose()
    print(f"load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    asyncio.run(_run(args.url, args.runs))


if __name__ == "__main__":
    main()
