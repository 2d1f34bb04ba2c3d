"""Backtest on the demo workspace: calibrate on weeks 1..k, forecast k+1..k+4, print weekly MAPE per project.

Run: .venv/bin/python benchmarks/backtest_demo.py [--train-weeks 4] [--replications 16]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from server.db import Base, Database
from server.db.models import Project
from server.services.backtest import backtest_records
from server.services.demo import seed_demo
from server.services.history import load_records


async def _main(train_weeks: int, horizon_weeks: int, replications: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'demo.sqlite3'}")
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        started = time.perf_counter()
        await seed_demo(database, seed=7, anchor=datetime(2026, 1, 5, tzinfo=UTC))
        print(f"demo seeded in {time.perf_counter() - started:.1f} s")
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        for project_id, name in projects:
            try:
                records = await load_records(database, project_id)
            except Exception as error:  # a project without tasks has no history to backtest
                print(f"{name}: skipped ({error})")
                continue
            if records.days // 7 < train_weeks + horizon_weeks:
                print(f"{name}: skipped ({records.days} days of history)")
                continue
            started = time.perf_counter()
            report = backtest_records(
                records, train_weeks=train_weeks, horizon_weeks=horizon_weeks, replications=replications
            )
            elapsed = time.perf_counter() - started
            print(
                f"{name}: train weeks 1..{train_weeks}, forecast {horizon_weeks} weeks: "
                f"throughput MAPE {report.throughput_mape:.1f}%, backlog MAPE {report.backlog_mape:.1f}% "
                f"({elapsed:.1f} s)"
            )
            for week in report.weeks:
                print(
                    f"  week {week.week}: throughput {week.actual_throughput:7.0f} actual, "
                    f"{week.forecast_throughput:7.0f} forecast; backlog {week.actual_backlog:6.0f} actual, "
                    f"{week.forecast_backlog:6.0f} forecast"
                )
        await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-weeks", type=int, default=4)
    parser.add_argument("--horizon-weeks", type=int, default=4)
    parser.add_argument("--replications", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(_main(args.train_weeks, args.horizon_weeks, args.replications))
