"""Where one SQLite import's time goes: CPU seconds of the database thread per kind of statement (its own CPU clock
read around each statement), the database thread's total (commits included), the importing thread's, and the
whole process's (the read-ahead parse is the rest), for a first import and the unchanged re-import of the export
`import_rate.py` generates.

    .venv/bin/python benchmarks/import_profile.py --rows 200000 [--format labelstudio|labelbox] [--batch-size 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_rate import MAPPING, as_csv, as_label_studio, as_labelbox, generate

from server.connectors import build_format, import_records
from server.connectors.importer import DEFAULT_BATCH_SIZE
from server.db import Database
from server.db.enums import DataType
from server.db.migrations import upgrade
from server.db.models import Project


def kind(statement: str) -> str:
    """The statement's verb and table (the rollup recounts are INSERT ... SELECT, some behind WITH)."""
    text = " ".join(statement.split())
    target = re.search(r"(INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+)", text)
    if target is not None:
        return target.group(1)
    return text[:50]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", default="csv", choices=("csv", "labelstudio", "labelbox"))
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    args = parser.parse_args()
    rows = generate(args.rows, 7)
    writers = {"csv": as_csv, "labelstudio": as_label_studio, "labelbox": as_labelbox}
    content = writers[args.format](rows)
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{directory}/profile.sqlite3")
        await upgrade(database)
        async with database.transaction() as session:
            session.add(Project(name="Bench", data_type=DataType.IMAGE))
        cpu: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        clocks: dict[int, tuple[int, float]] = {}  # database thread -> (its CPU clock, reading at the start)

        @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
        def before(connection: Any, *_: Any) -> None:
            thread = connection.connection.dbapi_connection._connection._thread.ident
            clock = time.pthread_getcpuclockid(thread)
            clocks.setdefault(thread, (clock, time.clock_gettime(clock)))
            connection.info["profile_clock"] = (clock, time.clock_gettime(clock))

        @event.listens_for(database.engine.sync_engine, "after_cursor_execute")
        def after(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            clock, began = connection.info["profile_clock"]
            entry = cpu[kind(statement)]
            entry[0] += 1
            entry[1] += time.clock_gettime(clock) - began

        for run in ("first import", "re-import"):
            cpu.clear()
            clocks.clear()
            fmt = build_format(args.format, mapping=MAPPING if args.format == "csv" else None)
            wall, process, importing = time.perf_counter(), time.process_time(), time.thread_time()
            await import_records(database, fmt, io.StringIO(content), project="Bench", batch_size=args.batch_size)
            wall, process = time.perf_counter() - wall, time.process_time() - process
            importing = time.thread_time() - importing
            database_cpu = sum(time.clock_gettime(clock) - began for clock, began in clocks.values())
            parse = process - database_cpu - importing
            print(
                f"{args.format} {run}, {args.rows} rows, batches of {args.batch_size}: {wall:.1f} s wall, "
                f"{process:.1f} CPU-s ({args.rows / process:,.0f} rows per CPU-s); database thread {database_cpu:.1f}, "
                f"importing thread {importing:.1f}, read-ahead parse (the rest) {parse:.1f}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            for name, (count, seconds) in sorted(cpu.items(), key=lambda item: -item[1][1])[:15]:
                print(f"  {seconds:6.2f} CPU-s {seconds / max(database_cpu, 1e-9):4.0%} {int(count):5d}x  {name}")
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
