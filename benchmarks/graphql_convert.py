"""CPU cost of turning the analytics services' dashboards into GraphQL objects: `from_service` against the
hand-written `of()` methods it replaced, read from git at `--reference` and loaded beside it in the same process.

The demo workspace is seeded at `--scale` into a temporary SQLite file, every project's dashboard over its whole
history is computed once, then each variant converts all of them `--repeat` times per round; rounds alternate
between the variants and the medians of their CPU seconds are compared. Both results are checked equal first.

    .venv/bin/python -m benchmarks.graphql_convert
    .venv/bin/python -m benchmarks.graphql_convert --scale 0.3 --rounds 9 --reference 137c1b9
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.db import Base, Database
from server.db.models import Project
from server.graphql.analytics.types import ProjectDashboard
from server.graphql.convert import from_service
from server.services.analytics import project_dashboard
from server.services.demo.seed import seed_demo

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
TYPES_PATH = "server/graphql/analytics/types.py"


def _reference_module(revision: str) -> types.ModuleType:
    """The analytics types module as it stood at `revision`, with its `of()` methods."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{TYPES_PATH}"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("reference_analytics_types")
    sys.modules[module.__name__] = module  # strawberry resolves annotations through the module
    exec(compile(source, f"{revision}:{TYPES_PATH}", "exec"), module.__dict__)
    return module


async def _dashboards(scale: float, path: Path) -> list[Any]:
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=scale)
    async with database.session() as session:
        projects = list((await session.execute(select(Project.id).order_by(Project.id))).scalars())
        result = [await project_dashboard(session, project) for project in projects]
    await database.dispose()
    return result


def _cpu_seconds(convert: Callable[[Any], Any], dashboards: list[Any], repeat: int) -> float:
    began = time.process_time()
    for _ in range(repeat):
        for dashboard in dashboards:
            convert(dashboard)
    return time.process_time() - began


def _size(dashboard: Any) -> str:
    points = sum(len(curve.points) for curve in dashboard.learning_curves)
    return (
        f"{len(dashboard.days)} days, {len(dashboard.labelers)} labelers, {len(dashboard.learning_curves)} curves "
        f"({points} points), {len(dashboard.cost.usage)} usage rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reference", default="137c1b9", help="git revision holding the of() methods")
    args = parser.parse_args()

    reference = _reference_module(args.reference)
    with tempfile.TemporaryDirectory() as folder:
        dashboards = asyncio.run(_dashboards(args.scale, Path(folder) / "demo.sqlite3"))
    for dashboard in dashboards:
        print(f"project {dashboard.project_id}: {_size(dashboard)}")

    def new(value: Any) -> Any:
        return from_service(ProjectDashboard, value)

    old: Callable[[Any], Any] = reference.ProjectDashboard.of
    for dashboard in dashboards:  # the same figures both ways (the classes differ, so compare their fields)
        assert repr(new(dashboard)).split("(", 1)[1] == repr(old(dashboard)).split("(", 1)[1]

    figures: dict[str, list[float]] = {"of()": [], "from_service": []}
    for _ in range(args.rounds):
        figures["of()"].append(_cpu_seconds(old, dashboards, args.repeat))
        figures["from_service"].append(_cpu_seconds(new, dashboards, args.repeat))
    conversions = args.repeat * len(dashboards)
    print(f"load average {os.getloadavg()[0]:.2f}, {args.rounds} alternating rounds of {conversions} conversions")
    medians = {name: statistics.median(values) for name, values in figures.items()}
    for name, median in medians.items():
        print(f"{name:>13}: median {median:.3f} CPU s per round, {1e3 * median / conversions:.2f} ms per dashboard")
    print(f"from_service / of(): {medians['from_service'] / medians['of()']:.2f}")


if __name__ == "__main__":
    main()
