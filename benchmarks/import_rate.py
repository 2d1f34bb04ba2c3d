"""Import rate of `labelops import`: a generated export of `--rows` labels (CSV and Label Studio JSON by default,
Labelbox NDJSON with `--formats csv,labelstudio,labelbox`) imported into a fresh project, first import (everything
created) and re-import (everything unchanged).

Reference, measured in the same run and alternated with the import: inserting the same number of label rows with
one plain SQLAlchemy Core executemany into a bare table on a fresh database of the same kind, the floor of any
import. Prints each repetition, the medians in rows/s and the median ratio import / reference. Rates are per
second of wall-clock time and, for SQLite (which runs inside this process), per second of this process's CPU
time: on a shared machine the CPU rate is the one that says what the code costs.

    .venv/bin/python benchmarks/import_rate.py --rows 200000 --reps 3 [--batch-size 5000]

With `--baseline DIR` (another checkout, e.g. `git worktree add /tmp/base main`), each repetition also imports the
same file with that checkout's code (and its own default batch size unless `--batch-size` is given), in a child
process, alternated with this code's import; the medians then
include this code / baseline.
    .venv/bin/python benchmarks/import_rate.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
(scratch databases bench_import_<random>, dropped after each repetition).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import statistics
import subprocess
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

# `--code=DIR` (given by `--baseline` to its child process) imports the application from another checkout.
sys.path.insert(
    0,
    next(
        (arg[len("--code=") :] for arg in sys.argv if arg.startswith("--code=")),
        str(Path(__file__).resolve().parents[1]),
    ),
)

from server.connectors import Mapping, build_format, import_records
from server.connectors.importer import DEFAULT_BATCH_SIZE
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


def as_labelbox(rows: list[tuple[str, str, datetime, datetime, str, str]]) -> str:
    """Labelbox export v2 NDJSON: a line per data row, its labels with `label_details` and `performance_details`."""
    labels: dict[str, list[dict[str, object]]] = {}
    for number, (task, worker, started, submitted, answer, _channel) in enumerate(rows):
        seconds = (submitted - started).total_seconds()
        radio = {"feature_id": "f2", "name": answer.title(), "value": answer, "classifications": []}
        labels.setdefault(task, []).append(
            {
                "id": f"l{number}",
                "annotations": {
                    "objects": [],
                    "classifications": [
                        {"feature_id": "f1", "name": "Animal", "value": "animal", "radio_answer": radio}
                    ],
                    "relationships": [],
                },
                "label_details": {
                    "created_at": submitted.isoformat(),
                    "updated_at": submitted.isoformat(),
                    "created_by": f"{worker}@example.com",
                    "reviews": [],
                },
                "performance_details": {
                    "seconds_to_create": seconds,
                    "seconds_to_review": 0.0,
                    "skipped": False,
                    "seconds_to_label": seconds,
                    "consensus_score": None,
                },
            }
        )
    return "\n".join(
        json.dumps(
            {
                "data_row": {"id": task, "global_key": f"{task}.jpg", "row_data": f"https://example.com/{task}.jpg"},
                "media_attributes": {"mime_type": "image/jpeg"},
                "projects": {"clbench": {"name": "Bench", "labels": task_labels, "project_details": {}}},
            }
        )
        for task, task_labels in labels.items()
    )


@asynccontextmanager
async def fresh_database(base_url: str | None, directory: Path) -> AsyncIterator[str]:
    if base_url is None:
        yield f"sqlite+aiosqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    # Named after the URL's database, so scratch databases stay in the namespace their user was given.
    name = f"{make_url(base_url).database or 'labelops'}_import_{uuid.uuid4().hex[:10]}"
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


async def imports(url: str, format_name: str, content: str, rows: int, batch_size: int) -> list[tuple[float, float]]:
    database = Database(url)
    await upgrade(database)
    async with database.transaction() as session:
        session.add(Project(name="Bench", data_type=DataType.IMAGE))
    rates = []
    for _ in range(2):  # first import, then the unchanged re-import
        fmt = build_format(format_name, mapping=MAPPING if format_name == "csv" else None)
        began = _clocks()
        report = await import_records(database, fmt, io.StringIO(content), project="Bench", batch_size=batch_size)
        rates.append(_rates(rows, began))
        assert report.rejected == 0, report.describe()
    await database.dispose()
    return rates


def baseline(code: str, url: str, format_name: str, path: Path, args: argparse.Namespace) -> list[tuple[float, float]]:
    """The same first import and re-import with the code of the checkout `code`, in a child process."""
    command = [sys.executable, __file__, f"--code={code}", "--child", str(path), "--child-url", url]
    command += ["--rows", str(args.rows), "--formats", format_name]
    if args.batch_size is not None:  # else each checkout imports with its own default
        command += ["--batch-size", str(args.batch_size)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return [tuple(rates) for rates in json.loads(done.stdout.strip().splitlines()[-1])]


def _median(results: list[tuple[tuple[float, float], ...]], index: int, clock: int) -> float:
    return statistics.median(result[index][clock] for result in results)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="csv,labelstudio")
    parser.add_argument("--batch-size", type=int, default=None, help="labels per batch (default: the code's own)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server to create scratch databases on")
    parser.add_argument("--baseline", default=None, help="another checkout whose import is alternated with this one")
    parser.add_argument("--code", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)  # the file a baseline child imports
    parser.add_argument("--child-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        content = Path(args.child).read_text()
        batch_size = args.batch_size or DEFAULT_BATCH_SIZE
        print(json.dumps(await imports(args.child_url, args.formats, content, args.rows, batch_size)))
        return
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    rows = generate(args.rows, args.seed)
    writers = {"csv": as_csv, "labelstudio": as_label_studio, "labelbox": as_labelbox}
    contents = {name: writers[name](rows) for name in args.formats.split(",")}
    kind = "sqlite" if args.database_url is None else "postgresql"
    print(
        f"{args.rows} rows, {len({r[0] for r in rows})} tasks, {kind}, batches of {batch_size}, {args.reps} reps, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as directory:
        for format_name in args.formats.split(","):
            path = Path(directory) / f"export.{format_name}"
            path.write_text(contents[format_name])
            results: list[tuple[tuple[float, float], ...]] = []
            for rep in range(args.reps):
                async with fresh_database(args.database_url, Path(directory)) as url:
                    ref = await reference(url, rows)
                async with fresh_database(args.database_url, Path(directory)) as url:
                    first, again = await imports(url, format_name, contents[format_name], args.rows, batch_size)
                results.append((first, again, ref))
                line = (
                    f"  {format_name:<12} rep {rep}: import {first[0]:7.0f} rows/s ({first[1]:7.0f} per CPU-s)  "
                    f"re-import {again[0]:7.0f} ({again[1]:7.0f})  reference {ref[0]:7.0f} ({ref[1]:7.0f})"
                )
                if args.baseline is not None:
                    async with fresh_database(args.database_url, Path(directory)) as url:
                        base_first, base_again = baseline(args.baseline, url, format_name, path, args)
                    results[-1] += (base_first, base_again)
                    line += (
                        f"  baseline import {base_first[0]:7.0f} ({base_first[1]:7.0f}) "
                        f"re-import {base_again[0]:7.0f} ({base_again[1]:7.0f})"
                    )
                print(f"{line}  load {os.getloadavg()[0]:.1f}", flush=True)

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
            if args.baseline is not None:
                speedups = [
                    statistics.median(result[index][clock] / result[index + 3][clock] for result in results)
                    for index in (0, 1)
                    for clock in (0, 1)
                ]
                print(
                    f"{format_name:<12} medians of this code / baseline: import {speedups[0]:.2f} "
                    f"({speedups[1]:.2f} per CPU-s), re-import {speedups[2]:.2f} ({speedups[3]:.2f} per CPU-s)",
                    flush=True,
                )


if __name__ == "__main__":
    asyncio.run(main())
