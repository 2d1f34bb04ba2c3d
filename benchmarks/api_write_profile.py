"""Where a write request's CPU goes: labels submitted and reviewed through the whole ASGI app, in-process.

Builds the load benchmark's workspace (`tests.server.load_world`: one project reviewing every label) in the
database at `--database-url`, which it empties first, then works through its tasks as `benchmarks/api_load.py`'s
clients do (a submission and its review per task, every fifth rejected, reworked and reviewed again), one request
at a time, each handed straight to the ASGI app as one HTTP request (no sockets, no uvicorn, no HTTP client
library: the CPU measured is the server's, plus a few microseconds of JSON per request). Prints the CPU time
(`time.process_time`, all threads) per write request, and with `--profile` a cProfile of the timed requests. On a
PostgreSQL server on this machine it also prints the CPU its backends serving this process spent per write request
(user + system from `/proc`, the backends found in `pg_stat_activity` once the warm-up has opened them).

    PYTHONPATH=. .venv/bin/python -m benchmarks.api_write_profile --database-url sqlite+aiosqlite:///w.sqlite3 \
        --tasks 300 --profile --sort tottime --limit 40

With `--baseline-root`, runs this script `--rounds` times against that checkout's code and as many against this
one's, in alternating subprocesses (the order swapped every round) on the same database, and prints the median
CPU per write request of each, the ratio of the medians, and the median of the paired per-round ratios with a
bootstrap 95% interval (fixed seed).

    PYTHONPATH=. .venv/bin/python -m benchmarks.api_write_profile --database-url URL --tasks 300 \
        --baseline-root /path/to/main --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from server.app import create_app
from server.settings import Settings
from tests.server.load_world import LoadWorld, Outcomes, prepare_load_world, work_on_task

_WARM_TASKS = 20
_ROOT = Path(__file__).resolve().parents[1]
_RESULT = re.compile(r"([0-9.]+) ms per request")
_DATABASE_RESULT = re.compile(r"database server ([0-9.]+) ms per request")
_TICKS = os.sysconf("SC_CLK_TCK")


class _AsgiPoster:
    """POSTs JSON to the app's GraphQL endpoint by calling the ASGI app directly (the load world's JsonPoster)."""

    def __init__(self, app: Any, headers: dict[str, str]) -> None:
        self._app = app
        self._headers = [(b"content-type", b"application/json")] + [
            (name.lower().encode(), value.encode()) for name, value in headers.items()
        ]

    async def post_json(self, payload: dict[str, Any]) -> tuple[int, Any]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [*self._headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        parts: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self._app(scope, receive, send)
        try:
            return status, json.loads(b"".join(parts))
        except ValueError:
            return status, None


async def _backend_pids(app: Any) -> list[int]:
    """The PostgreSQL backends connected to the (scratch) database: this process's pool, the connection asking
    among them. None on another database."""
    database = app.state.database
    if database.dialect != "postgresql":
        return []
    async with database.engine.connect() as connection:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        rows = await connection.execute(query)
        return [int(pid) for (pid,) in rows]


def _cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU of the processes `pids`; None when they are not on this machine."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name: fields 14 and 15 of stat)
    return total / _TICKS


async def _loop(
    database_url: str, world: LoadWorld, profiler: cProfile.Profile | None
) -> tuple[int, float, float | None]:
    app = create_app(Settings(database_url=database_url, rate_limit_per_second=0))
    outcomes = Outcomes()
    client = _AsgiPoster(app, world.headers)

    # The lifespan (jobs and alerts loops) stays off: only requests run.
    async def work(index: int, task: str) -> None:
        labeler = world.labelers[index % len(world.labelers)]
        reviewer = world.reviewers[index % len(world.reviewers)]
        await work_on_task(client, world, outcomes, task, labeler, reviewer, reject=index % 5 == 4)

    for index, task in enumerate(world.tasks[:_WARM_TASKS]):  # compiled SQL, pools and caches warmed up
        await work(index, task)
    warm = len(outcomes.latencies)
    backends = await _backend_pids(app)
    backends_before = _cpu_seconds(backends) if backends else None
    if profiler is not None:
        profiler.enable()
    started = time.process_time()
    for index, task in enumerate(world.tasks[_WARM_TASKS:], start=_WARM_TASKS):
        await work(index, task)
    spent = time.process_time() - started
    if profiler is not None:
        profiler.disable()
    backends_after = _cpu_seconds(backends) if backends else None
    database_spent = None if backends_before is None or backends_after is None else backends_after - backends_before
    await app.state.database.dispose()
    unexpected = {
        kind: count for kind, count in outcomes.answers.items() if kind not in {"LabelPayload", "ReviewPayload"}
    }
    if unexpected:
        raise RuntimeError(f"unexpected answers {unexpected}: {outcomes.messages[:3]}")
    return len(outcomes.latencies) - warm, spent, database_spent


def _run(root: Path, database_url: str, tasks: int) -> tuple[float, float | None]:
    """CPU ms per write request of one subprocess running the code at `root`, and its database server's."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, str(Path(__file__).resolve()), "--database-url", database_url, "--tasks", str(tasks)]
    output = subprocess.run(command, env=environment, cwd=root, check=True, capture_output=True, text=True).stdout
    match = _RESULT.search(output)
    if match is None:
        raise RuntimeError(f"no figure in the output of {root}: {output!r}")
    database = _DATABASE_RESULT.search(output)
    return float(match.group(1)), None if database is None else float(database.group(1))


def _bootstrap(ratios: list[float], seed: int = 19) -> tuple[float, float]:
    generator = random.Random(seed)
    medians = sorted(statistics.median(generator.choices(ratios, k=len(ratios))) for _ in range(2000))
    return medians[50], medians[1949]


def _summary(label: str, baseline: list[float], this: list[float]) -> str:
    before, after = statistics.median(baseline), statistics.median(this)
    ratios = [new / old for old, new in zip(baseline, this, strict=True)]
    low, high = _bootstrap(ratios)
    return (
        f"{label}: baseline {before:.3f} ms, this {after:.3f} ms, ratio {after / before:.3f}"
        f" (paired {statistics.median(ratios):.3f}, 95% {low:.3f}-{high:.3f}; {len(ratios)} rounds)"
    )


def _compare(baseline: Path, database_url: str, tasks: int, rounds: int) -> None:
    figures: dict[str, list[tuple[float, float | None]]] = {"baseline": [], "this": []}
    for index in range(rounds):
        order = [("baseline", baseline), ("this", _ROOT)]
        for name, root in order if index % 2 == 0 else order[::-1]:
            figures[name].append(_run(root, database_url, tasks))
        line = f"round {index + 1}: baseline {figures['baseline'][-1][0]:.3f} ms  this {figures['this'][-1][0]:.3f} ms"
        database = (figures["baseline"][-1][1], figures["this"][-1][1])
        if None not in database:
            line += f"  (database server: baseline {database[0]:.3f} ms  this {database[1]:.3f} ms)"
        print(line)
    print(
        _summary("CPU per write request", [cpu for cpu, _ in figures["baseline"]], [cpu for cpu, _ in figures["this"]])
    )
    before = [database for _, database in figures["baseline"] if database is not None]
    after = [database for _, database in figures["this"] if database is not None]
    if len(before) == len(after) == rounds and rounds > 0:
        print(_summary("the database server's CPU per write request", before, after))
        print(
            _summary(
                "both together",
                [cpu + database for cpu, database in zip([c for c, _ in figures["baseline"]], before, strict=True)],
                [cpu + database for cpu, database in zip([c for c, _ in figures["this"]], after, strict=True)],
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a scratch database: its tables are dropped")
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key (cumulative, tottime, ...)")
    parser.add_argument("--limit", type=int, default=40, help="rows of the profile to print")
    parser.add_argument("--baseline-root", type=Path, help="a checkout to compare with, in alternating subprocesses")
    parser.add_argument("--rounds", type=int, default=5, help="with --baseline-root: runs of each")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if args.tasks <= _WARM_TASKS:
        parser.error(f"--tasks must exceed the {_WARM_TASKS} warm-up tasks, got {args.tasks}")
    if args.baseline_root is not None:
        _compare(args.baseline_root.resolve(), args.database_url, args.tasks, args.rounds)
        return 0
    world = prepare_load_world(args.database_url, tasks=args.tasks)
    profiler = cProfile.Profile() if args.profile else None
    requests, spent, database_spent = asyncio.run(_loop(args.database_url, world, profiler))
    print(f"write requests={requests}  cpu={spent:.3f} s  {spent / requests * 1000:.3f} ms per request", flush=True)
    if database_spent is not None:
        print(f"database server {database_spent / requests * 1000:.3f} ms per request", flush=True)
    if profiler is not None:
        pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
