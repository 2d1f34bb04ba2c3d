"""Import rate of `labelops import`: a generated export of `--rows` labels (CSV and Label Studio JSON) imported
into a fresh project, first import (everything created) and re-import (everything unchanged).

Reference, measured in the same run and alternated with the import: inserting the same number of label rows with
one plain SQLAlchemy Core executemany into a bare table on a fresh database of the same kind, the floor of any
import. Prints each repetition, the medians in rows/s and the median ratio import / reference. Rates are per
second of wall-clock time and, for SQLite (which runs inside this process), per second of this process's CPU
time: on a shared machine the CPU rate is the one that says what the code costs.

    .venv/bin/python benchmarks/import_rate.py --rows 200000 --reps 3
    .venv/bin/python benchmarks/import_rate.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.connectors import Mapping, build_format, import_records
from server.db import Database
from server.db.enums import DataType
from server.db.migrations import upgrade
from server.db.models import Project

MAPPING = Mapping(
    task="task", labeler="worker", started_at="started", submitted_at="submitted", answer=("answer",), vendor="channel"
)


def generate(rows: int, seed: int) -> list[tuple[str, str, datetime, datetime, str, str]]:
    """Labels over 60 days in time order: most tasks labeled once, one in five by three labelers (consensus)."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    out: list[tuple[str, str, datetime, datetime, str, str]] = []
    task = 0
    while len(out) < rows:
        task += 1
        for worker in rng.choice(500, size=3 if rng.random() < 0.2 else 1, replace=False):
            submitted = start + timedelta(seconds=60 * 86400 * len(out) / rows)
            seconds = float(rng.lognormal(3.4, 0.5))
            out.append(
                (
                    f"t{task}",
                    f"w{worker}",
                    submitted - timedelta(seconds=round(seconds, 3)),
                    submitted,
                    ("cat", "dog", "bird")[int(rng.integers(3))],
                    ("neodev", "clixsense", "instagc")[worker % 3],
                )
            )
            if len(out) == rows:
                break
    return out


def as_csv(rows: list[tuple[str, str, datetime, datetime, str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["task", "worker", "started", "submitted", "answer", "channel"])
    for task, worker, started, submitted, answer, channel in rows:
        writer.writerow([task, worker, started.isoformat(), submitted.isoformat(), answer, channel])
    return buffer.getvalue()


def as_label_studio(rows: list[tuple[str, str, datetime, datetime, str, str]]) -> str:
    tasks: dict[str, dict[str, object]] = {}
    for number, (task, worker, started, submitted, answer, _channel) in enumerate(rows):
        entry = tasks.setdefault(task, {"id": task, "data": {"image": f"{task}.jpg"}, "annotations": []})
        entry["annotations"].append(  # type: ignore[attr-defined]
            {
                "id": number,
                "completed_by": worker,
                "created_at": submitted.isoformat(),
                "lead_time": (submitted - started).total_seconds(),
                "was_cancelled": False,
                "ground_truth": False,
                "result": [
                    {"from_name": "animal", "to_name": "image", "type": "choices", "value": {"choices": [answer]}}
                ],
            }
        )
    return json.dumps(list(tasks.values()))


@asynccontextmanager
async def fresh_database(base_url: str | None, directory: Path) -> AsyncIterator[str]:
    if base_url is None:
        yield f"sqlite+aiosqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    name = f"labelops_import_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _rates(rows: int, started: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clocks()
    return rows / (wall - started[0]), rows / max(cpu - started[1], 1e-9)


async def reference(url: str, rows: list[tuple[str, str, datetime, datetime, str, str]]) -> tuple[float, float]:
    engine = create_async_engine(url)
    table = Table(
        "bare_labels",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("task", String(200)),
        Column("worker", String(200)),
        Column("started", DateTime(timezone=True)),
        Column("submitted", DateTime(timezone=True)),
        Column("seconds", Float),
        Column("answer", String(200)),
    )
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
    values = [
        {"task": t, "worker": w, "started": s, "submitted": e, "seconds": (e - s).total_seconds(), "answer": a}
        for t, w, s, e, a, _c in rows
    ]
    began = _clocks()
    async with engine.begin() as connection:
        for offset in range(0, len(values), 5000):
            await connection.execute(table.insert(), values[offset : offset + 5000])
    rates = _rates(len(rows), began)
    await engine.dispose()
    return rates


async def imports(url: str, format_name: str, content: str, rows: int) -> list[tuple[float, float]]:
    database = Database(url)
    await upgrade(database)
    async with database.transaction() as session:
        session.add(Project(name="Bench", data_type=DataType.IMAGE))
    rates = []
    for _ in range(2):  # first import, then the unchanged re-import
        fmt = build_format(format_name, mapping=MAPPING if format_name == "csv" else None)
        began = _clocks()
        report = await import_records(database, fmt, io.StringIO(content), project="Bench")
        rates.append(_rates(rows, began))
        assert report.rejected == 0, report.describe()
    await database.dispose()
    return rates


def _median(results: list[tuple[tuple[float, float], ...]], index: int, clock: int) -> float:
    return statistics.median(result[index][clock] for result in results)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="csv,labelstudio")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server to create scratch databases on")
    args = parser.parse_args()
    rows = generate(args.rows, args.seed)
    contents = {"csv": as_csv(rows), "labelstudio": as_label_studio(rows)}
    kind = "sqlite" if args.database_url is None else "postgresql"
    print(f"{args.rows} rows, {len({r[0] for r in rows})} tasks, {kind}, {args.reps} reps", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        for format_name in args.formats.split(","):
            results: list[tuple[tuple[float, float], ...]] = []
            for rep in range(args.reps):
                async with fresh_database(args.database_url, Path(directory)) as url:
                    ref = await reference(url, rows)
                async with fresh_database(args.database_url, Path(directory)) as url:
                    first, again = await imports(url, format_name, contents[format_name], args.rows)
                results.append((first, again, ref))
                print(
                    f"  {format_name:<12} rep {rep}: import {first[0]:7.0f} rows/s ({first[1]:7.0f} per CPU-s)  "
                    f"re-import {again[0]:7.0f} ({again[1]:7.0f})  reference {ref[0]:7.0f} ({ref[1]:7.0f})",
                    flush=True,
                )

            ratio = statistics.median(result[0][0] / result[2][0] for result in results)
            (first_wall, first_cpu), (again_wall, again_cpu), (ref_wall, ref_cpu) = (
                (_median(results, index, 0), _median(results, index, 1)) for index in range(3)
            )
            print(
                f"{format_name:<12} medians: import {first_wall:7.0f} rows/s ({first_cpu:7.0f} per CPU-s), "
                f"re-import {again_wall:7.0f} ({again_cpu:7.0f}), reference {ref_wall:7.0f} ({ref_cpu:7.0f}); "
                f"import/reference {ratio:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
