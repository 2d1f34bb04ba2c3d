"""Seed a benchmark database with about 1,000,000 labels: the demo workspace's generator at a large scale.

The demo generator (server.services.demo.generate) models eight weeks of work with learning curves, reviews,
rework, benchmarks and consensus; its labelers work shifts, so the volume is what they have the capacity for: at
scale 20 (demand) with sixteen times the staff (960 labelers) it produces ~1M labels on the same four projects, so
one project's dashboard aggregates ~500k labels. The database is recreated from the models and
filled with Core executemany inserts in one transaction, ids handed out in Python.

    .venv/bin/python -m benchmarks.seed_large  # a SQLite file in the temp directory
    .venv/bin/python -m benchmarks.seed_large --url postgresql+asyncpg://postgres@127.0.0.1:5432/labelops_bench
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import Database
from server.db.migrations import model_metadata
from server.db.models import (
    Comment,
    Issue,
    Label,
    Labeler,
    LabelerStageEvent,
    Project,
    ProjectMembership,
    Review,
    Task,
    Vendor,
    project_vendors,
)
from server.db.rates import LabelerRate
from server.services.demo.generate import DemoRows, generate
from server.services.rollups import rebuild_rollups

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / 'labelops_bench.sqlite3'}"
_BATCH = 20_000


def _number(rows: list[dict[str, Any]]) -> list[int]:
    ids = list(range(1, len(rows) + 1))
    for row, identifier in zip(rows, ids, strict=True):
        row["id"] = identifier
    return ids


def _remap(rows: list[dict[str, Any]], **columns: list[int]) -> None:
    """Replace the generator's local indexes in foreign-key columns with the assigned ids."""
    for row in rows:
        for column, ids in columns.items():
            if row.get(column) is not None:
                row[column] = ids[row[column]]


async def _write(connection: AsyncConnection, rows: DemoRows) -> None:
    vendors, projects = _number(rows.vendors), _number(rows.projects)
    labelers, tasks = _number(rows.labelers), _number(rows.tasks)
    labels, issues = _number(rows.labels), _number(rows.issues)
    _number(rows.stage_events)
    _number(rows.labeler_rates)
    _number(rows.reviews)
    _number(rows.comments)
    _remap(rows.project_vendors, project_id=projects, vendor_id=vendors)
    _remap(rows.labelers, vendor_id=vendors)
    _remap(rows.stage_events, labeler_id=labelers)
    _remap(rows.labeler_rates, labeler_id=labelers)
    _remap(rows.memberships, project_id=projects, labeler_id=labelers)
    _remap(rows.tasks, project_id=projects)
    _remap(rows.labels, task_id=tasks, labeler_id=labelers)
    _remap(rows.reviews, label_id=labels, reviewer_id=labelers)
    _remap(rows.issues, project_id=projects, task_id=tasks, label_id=labels, raised_by_id=labelers)
    _remap(rows.comments, issue_id=issues, author_id=labelers)
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Vendor, rows.vendors),
        (Project, rows.projects),
        (project_vendors, rows.project_vendors),
        (Labeler, rows.labelers),
        (LabelerStageEvent, rows.stage_events),
        (LabelerRate, rows.labeler_rates),
        (ProjectMembership, rows.memberships),
        (Task, rows.tasks),
        (Label, rows.labels),
        (Review, rows.reviews),
        (Issue, rows.issues),
        (Comment, rows.comments),
    ]
    for model, table_rows in tables:
        table: Table = model if isinstance(model, Table) else model.__table__
        for start in range(0, len(table_rows), _BATCH):
            await connection.execute(insert(table), table_rows[start : start + _BATCH])
        print(f"  {table.name}: {len(table_rows):,} rows", flush=True)
    if connection.dialect.name == "postgresql":
        for model, _ in tables:
            table = model if isinstance(model, Table) else model.__table__
            if "id" in table.c:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                    )
                )


async def seed_large(url: str, *, scale: float = 20.0, staff: int = 16, seed: int = 7) -> int:
    """Recreate the database at `url` and fill it; returns the number of labels written."""
    metadata = model_metadata()
    database = Database(url)
    try:
        began = time.perf_counter()
        rows = generate(seed, ANCHOR, scale, staff)
        print(f"generated {len(rows.labels):,} labels in {time.perf_counter() - began:.1f} s", flush=True)
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.run_sync(metadata.create_all)
        began = time.perf_counter()
        async with database.engine.begin() as connection:
            await _write(connection, rows)
            await rebuild_rollups(connection)
        # Fresh statistics, so the planners see the real table sizes; on PostgreSQL also the visibility map and
        # hint bits a settled database has (autovacuum would set them later), which index-only scans rely on.
        settle = "VACUUM ANALYZE" if database.engine.dialect.name == "postgresql" else "ANALYZE"
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(settle))
        print(f"written in {time.perf_counter() - began:.1f} s", flush=True)
        return len(rows.labels)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--scale", type=float, default=20.0, help="demo volume multiplier (20 gives ~1M labels)")
    parser.add_argument("--staff", type=int, default=16, help="vendor headcount multiplier (capacity for the demand)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(seed_large(args.url, scale=args.scale, staff=args.staff, seed=args.seed))


if __name__ == "__main__":
    main()
