"""Load on the GraphQL API over loopback HTTP: concurrent clients labeling and reviewing, then reading pages.

Starts uvicorn in a subprocess on a throw-away database (SQLite by default; `--database-url` for PostgreSQL),
drives it with `--clients` concurrent kept-alive connections, and prints requests/s, p50/p99 latency and the error
count per phase, then checks that every acknowledged write is stored and every task is consistent. Access control
is on (every request carries an admin's bearer key); the rate limit is off.

The clients are `benchmarks.raw_http` connections sending prebuilt requests from one asyncio loop (the writes
build their JSON per request, since a review needs the label id the submission returned): httpx spent more CPU
per request than the bare app needs to answer one, on the same two cores, so it measured itself.

With `--reference`, the read phase is run `--rounds` times against LabelOps and as many times against the bare
Strawberry app of `benchmarks.bare_app` (the same page from memory, parser and validation caches on, as many
uvicorn workers), alternating which goes first: the same clients on the same two cores, so the bare app's rate is
the most any server in this stack could read here, and the ratio of the medians is LabelOps' share of it.
`--app-root` serves LabelOps from another checkout (an older commit) on a database this checkout's models create,
for before/after figures in one period.

    .venv/bin/python benchmarks/api_load.py --clients 50 --tasks 500 --reads 40 [--workers N] [--reference]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from importlib.util import find_spec
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.api_speed import served
from benchmarks.raw_http import Connection, build_post, split_url
from server.platform_commands import default_workers
from tests.server.live_server import drop_database
from tests.server.load_world import LoadWorld, Outcomes, check_invariants, prepare_load_world, work_on_task

_ROOT = Path(__file__).resolve().parents[1]
READ = "query { tasks(first: 20) { totalCount edges { node { id status labels { id status } } } } }"
_OK = {"LabelPayload", "ReviewPayload"}
_PLAIN = ("--loop", "asyncio", "--http", "h11")


def _report(name: str, outcomes: Outcomes, seconds: float, errors: int) -> float:
    """Print one phase's figures and return its rate in requests per second."""
    latencies = sorted(outcomes.latencies)
    count = len(latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = latencies[min(count - 1, int(count * 0.99))] * 1000 if latencies else 0.0
    rate = count / seconds
    print(
        f"{name:<15} requests={count:>5}  {rate:8.1f} req/s  p50={p50:7.1f} ms  p99={p99:7.1f} ms  errors={errors}",
        flush=True,
    )
    return rate


async def _writes(url: str, world: LoadWorld, clients: int) -> tuple[Outcomes, float]:
    outcomes = Outcomes()
    host, port, path = split_url(url)

    async def worker(index: int) -> None:
        async with Connection(host, port, path, world.headers) as connection:
            for task in world.tasks[index::clients]:
                labeler = world.labelers[index % len(world.labelers)]
                reviewer = world.reviewers[index % len(world.reviewers)]
                await work_on_task(connection, world, outcomes, task, labeler, reviewer, reject=index % 5 == 0)

    started = time.perf_counter()
    await asyncio.gather(*(worker(index) for index in range(clients)))
    return outcomes, time.perf_counter() - started


def _answered(status: int, body: bytes) -> bool:
    # A data-only answer; cheaper than decoding 3 kB of JSON per request in the client.
    return status == 200 and body.startswith(b'{"data"') and b'"errors"' not in body


async def _reads(url: str, world: LoadWorld, clients: int, per_client: int) -> tuple[Outcomes, float, int]:
    outcomes = Outcomes()
    errors = 0
    host, port, path = split_url(url)
    request = build_post(host, port, path, f'{{"query":"{READ}"}}'.encode(), world.headers)

    async def worker() -> None:
        nonlocal errors
        async with Connection(host, port, path, world.headers) as connection:
            for _ in range(per_client):
                begun = time.perf_counter()
                status, body = await connection.send(request)
                outcomes.latencies.append(time.perf_counter() - begun)
                if not _answered(status, body):
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return outcomes, time.perf_counter() - started, errors


async def _run(urls: dict[str, str], world: LoadWorld, clients: int, reads: int, rounds: int) -> tuple[Outcomes, int]:
    """The writes against LabelOps, then `rounds` read phases against each app, alternating."""
    written, seconds = await _writes(urls["labelops"], world, clients)
    write_errors = sum(count for kind, count in written.answers.items() if kind not in _OK)
    _report("writes", written, seconds, write_errors)
    if write_errors:
        kinds = {kind: count for kind, count in written.answers.items() if kind not in _OK}
        print(f"          write errors by kind: {kinds}; first messages: {written.messages[:3]}")
    errors = write_errors
    rates: dict[str, list[float]] = {app: [] for app in urls}
    for index in range(rounds):
        order = list(urls) if index % 2 == 0 else list(reversed(urls))
        for app in order:
            read, seconds, read_errors = await _reads(urls[app], world, clients, reads)
            rates[app].append(_report(f"reads {app}" if len(urls) > 1 else "reads", read, seconds, read_errors))
            errors += read_errors if app == "labelops" else 0
    if len(urls) > 1:
        medians = {app: statistics.median(values) for app, values in rates.items()}
        print(
            f"read medians over {rounds} round(s): labelops {medians['labelops']:.1f} req/s, bare "
            f"{medians['bare']:.1f} req/s, labelops/bare {medians['labelops'] / medians['bare']:.2f}"
        )
    return written, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=500, help="tasks to label and review (one label each)")
    parser.add_argument("--reads", type=int, default=40, help="page reads per client in each read phase")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default: as `labelops serve`: cores on PostgreSQL)"
    )
    parser.add_argument("--reference", action="store_true", help="also read from the bare app, alternating")
    parser.add_argument("--rounds", type=int, default=1, help="read phases per app")
    parser.add_argument("--app-root", type=Path, default=_ROOT, help="the checkout whose LabelOps is served")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'load.sqlite3'}"
        world = prepare_load_world(url, tasks=args.tasks)
        try:
            workers = default_workers(url) if args.workers is None else args.workers
            loop = "uvloop" if find_spec("uvloop") else "asyncio"
            http = "httptools" if find_spec("httptools") else "h11"
            print(f"{workers} server worker(s), {args.clients} clients, LabelOps from {args.app_root} ({loop}, {http})")
            with ExitStack() as stack:
                environment = {"LABELOPS_DATABASE_URL": url, "LABELOPS_RATE_LIMIT": "0"}
                target = "server.app:create_app"
                urls = {"labelops": stack.enter_context(served(target, environment, args.app_root, workers))}
                if args.reference:
                    # The reference stays on asyncio's loop and h11 whatever is installed: the same ceiling in
                    # every run, so runs of different code (or with uvloop and httptools) compare through it.
                    reference = served("benchmarks.bare_app:create_cached_app", {}, workers=workers, options=_PLAIN)
                    urls["bare"] = stack.enter_context(reference)
                written, errors = asyncio.run(_run(urls, world, args.clients, args.reads, args.rounds))
            state = check_invariants(url, written)
        finally:
            drop_database(url)
    lost = len(state["missing_labels"]) + len(state["missing_reviews"])
    print(
        f"labels={state['labels']} reviews={state['reviews']} lost_writes={lost} "
        f"inconsistent_tasks={len(state['inconsistent_tasks'])} errors={errors}"
    )
    return 0 if errors == 0 and lost == 0 and not state["inconsistent_tasks"] else 1


if __name__ == "__main__":
    sys.exit(main())
