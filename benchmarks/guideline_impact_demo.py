"""The demo's guideline change, before and after: the support project's figures per guideline version.

Seeds the demo workspace (seed 7, anchor 2026-03-04, the tests' anchor) into a fresh SQLite file and prints
`fetch_guideline_impact` for each project with more than one version: labels, time per label, approval, rework,
benchmark accuracy and agreement with their 95% intervals, and the change between versions.

    .venv/bin/python -m benchmarks.guideline_impact_demo
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from server.db import Base, Database
from server.db.guidelines import GuidelineVersion
from server.db.models import Project
from server.services.analytics.guideline_impact import fetch_guideline_impact
from server.services.analytics.intervals import Estimate
from server.services.demo.seed import seed_demo

ANCHOR = datetime(2026, 3, 4, tzinfo=UTC)


def _share(estimate: Estimate | None) -> str:
    if estimate is None:
        return "n/a"
    return f"{estimate.value:6.1%} [{estimate.low:.1%}, {estimate.high:.1%}] n={estimate.n}"


def _points(estimate: Estimate | None) -> str:
    if estimate is None:
        return "n/a"
    return f"{100 * estimate.value:+.1f} pts [{100 * estimate.low:+.1f}, {100 * estimate.high:+.1f}]"


def _seconds(estimate: Estimate | None) -> str:
    if estimate is None:
        return "n/a"
    return f"{estimate.value:.1f} s [{estimate.low:.1f}, {estimate.high:.1f}]"


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'demo.sqlite3'}")
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await seed_demo(database, anchor=ANCHOR)
        async with database.session() as session:
            changed = select(GuidelineVersion.project_id).group_by(GuidelineVersion.project_id)
            changed = changed.having(func.count() > 1)
            projects = (await session.execute(select(Project.id, Project.name).where(Project.id.in_(changed)))).all()
            for project_id, name in projects:
                impact = await fetch_guideline_impact(session, project_id)
                print(name)
                for v in impact.versions:
                    print(f"  version {v.number} from {v.created_at:%Y-%m-%d}: {v.labels} labels")
                    print(f"    time per label     {_seconds(v.seconds_per_label)}")
                    print(f"    approval           {_share(v.approval)}")
                    print(f"    rework             {_share(v.rework)}")
                    print(f"    benchmark accuracy {_share(v.benchmark_accuracy)}")
                    print(f"    agreement (tasks)  {_share(v.agreement)}")
                    if v.note:
                        print(f"    note: {v.note}")
                for c in impact.changes:
                    print(f"  version {c.from_number} -> {c.to_number}:")
                    print(f"    rework {_points(c.rework)}, approval {_points(c.approval)}")
                    print(f"    benchmark accuracy {_points(c.benchmark_accuracy)}, agreement {_points(c.agreement)}")
                    print(f"    time per label {_seconds(c.seconds_per_label)}")
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
