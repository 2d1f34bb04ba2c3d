"""What the vendors page's effective price adds to the metrics it already asks for, per vendor.

Seeds the demo workspace into a fresh database (a temporary SQLite file, or the PostgreSQL database given with
`--postgresql`, which must be empty), then for every vendor with labels times, alternating, the slice the vendors
page has always asked for (`scope_metrics`, what `operationsMetrics(vendorId:)` runs) and `effective_price` (what
`vendorEffectivePrice` runs), over all time and over the last 14 days. Prints the median of each and their ratio.

    .venv/bin/python -m benchmarks.vendor_effective_price
    .venv/bin/python -m benchmarks.vendor_effective_price --scale 1 --runs 9 \
        --postgresql postgresql+asyncpg://postgres@127.0.0.1:5432/labelops_bench_vendors
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Base, Database
from server.db.models import Label, Labeler, Vendor
from server.services.analytics import Scope
from server.services.analytics.dashboard import scope_metrics
from server.services.demo.seed import seed_demo
from server.services.vendor_price import effective_price


async def _seconds(database: Database, call: Callable[[Any], Awaitable[object]]) -> float:
    async with database.session() as session:
        started = time.perf_counter()
        await call(session)
        return time.perf_counter() - started


async def _metrics_of(session: AsyncSession, *, scope: Scope) -> object:
    return await scope_metrics(session, scope)


async def _price_of(session: AsyncSession, *, scope: Scope) -> object:
    return await effective_price(session, scope)


async def _measure(url: str, scale: float, runs: int) -> None:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        started = time.perf_counter()
        await seed_demo(database, scale=scale)
        print(f"{database.engine.dialect.name}: demo at scale {scale} seeded in {time.perf_counter() - started:.1f} s")
        async with database.session() as session:
            labels = (await session.execute(select(func.count(Label.id)))).scalar_one()
            with_labels = select(Labeler.vendor_id).join(Label, Label.labeler_id == Labeler.id).distinct()
            vendors = (await session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(with_labels)))).all()
        print(f"{labels:,} labels, {len(vendors)} vendors with labels, {runs} alternating runs each")
        print(f"{'vendor':28} {'window':9} {'metrics ms':>11} {'effective ms':>13} {'ratio':>6}")
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for vendor_id, name in vendors:
            for window, start in (("all time", None), ("14 days", now - timedelta(days=14))):
                scope = Scope(vendor_id=vendor_id, start=start)
                metrics: list[float] = []
                effective: list[float] = []
                for _ in range(runs):
                    metrics.append(await _seconds(database, functools.partial(_metrics_of, scope=scope)))
                    effective.append(await _seconds(database, functools.partial(_price_of, scope=scope)))
                m, e = statistics.median(metrics) * 1000, statistics.median(effective) * 1000
                print(f"{name[:28]:28} {window:9} {m:11.1f} {e:13.1f} {e / m:6.2f}")
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="demo size (1 = the full demo)")
    parser.add_argument("--runs", type=int, default=7, help="alternating runs per vendor and window")
    parser.add_argument("--postgresql", help="an empty PostgreSQL database to seed and measure as well")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'vendors.sqlite3'}"
        asyncio.run(_measure(sqlite_url, arguments.scale, arguments.runs))
    if arguments.postgresql:
        asyncio.run(_measure(arguments.postgresql, arguments.scale, arguments.runs))


if __name__ == "__main__":
    main()
