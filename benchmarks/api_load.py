"""Load on the GraphQL API over loopback HTTP: concurrent clients labeling and reviewing, then reading pages.

Starts uvicorn in a subprocess on a throw-away database (SQLite by default; `--database-url` for PostgreSQL),
drives it with `--clients` concurrent httpx clients, and prints requests/s, p50/p99 latency and the error count
per phase. Access control is on (every request carries an admin's bearer key); the rate limit is off.

With `--reference`, the read phase is run `--rounds` times against LabelOps and as many times against the bare
Strawberry app of `benchmarks.bare_app` (the same page from memory, parser and validation caches on, as many
uvicorn workers), alternating which goes first: the same clients on the same two cores, so the bare app's rate is
the most any server in this stack could read here, and the ratio of the medians is LabelOps' share of it.

    .venv/bin/python benchmarks/api_load.py --clients 50 --tasks 500 --reads 20 [--workers N] [--reference]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.api_speed import served
from server.platform_commands import default_workers
from tests.server.live_server import drop_database, live_server
from tests.server.load_world import LoadWorld, Outcomes, check_invariants, prepare_load_world, work_on_task

READ = "query { tasks(first: 20) { totalCount edges { node { id status labels { id status } } } } }"
_OK = {"LabelPayload", "ReviewPayload"}


def _report(name: str, outcomes: Outcomes, seconds: float, errors: int) -> float:
    """Print one phase's figures and return its rate in requests per second."""
    latencies = sorted(outcomes.latencies)
    count = len(latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = latencies[min(count - 1, int(count * 0.99))] * 1000 if latencies else 0.0
    rate = count / seconds
    print(f"{name:<9} requests={count:>5}  {rate:8.1f} req/s  p50={p50:7.1f} ms  p99={p99:7.1f} ms  errors={errors}")
    return rate


async def _writes(client: httpx.AsyncClient, world: LoadWorld, clients: int) -> tuple[Outcomes, float]:
    outcomes = Outcomes()

    async def worker(index: int) -> None:
        for task in world.tasks[index::clients]:
            labeler = world.labelers[index % len(world.labelers)]
            reviewer = world.reviewers[index % len(world.reviewers)]
            await work_on_task(client, world, outcomes, task, labeler, reviewer, reject=index % 5 == 0)

    started = time.perf_counter()
    await asyncio.gather(*(worker(index) for index in range(clients)))
    return outcomes, time.perf_counter() - started


async def _reads(
    client: httpx.AsyncClient, url: str, world: LoadWorld, clients: int, per_client: int
) -> tuple[Outcomes, float, int]:
    outcomes = Outcomes()
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for _ in range(per_client):
            begun = time.perf_counter()
            response = await client.post(url, json={"query": READ}, headers=world.headers)
            outcomes.latencies.append(time.perf_counter() - begun)
            if response.status_code != 200 or response.json().get("errors"):
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return outcomes, time.perf_counter() - started, errors


async def _run(
    base_url: str, urls: dict[str, str], world: LoadWorld, clients: int, reads: int, rounds: int
) -> tuple[Outcomes, int]:
    """The writes against LabelOps at `base_url`, then `rounds` read phases against each app, alternating."""
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        written, seconds = await _writes(client, world, clients)
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
                read, seconds, read_errors = await _reads(client, urls[app], world, clients, reads)
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
    parser.add_argument("--reads", type=int, default=20, help="page reads per client after the writes")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default: as `labelops serve`: cores on PostgreSQL)"
    )
    parser.add_argument("--reference", action="store_true", help="also read from the bare app, alternating")
    parser.add_argument("--rounds", type=int, default=1, help="read phases per app")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'load.sqlite3'}"
        world = prepare_load_world(url, tasks=args.tasks)
        try:
            workers = default_workers(url) if args.workers is None else args.workers
            print(f"{workers} server worker(s), {args.clients} clients")
            with ExitStack() as stack:
                server = stack.enter_context(live_server(url, workers=workers))
                urls = {"labelops": f"{server.base_url}/graphql"}
                if args.reference:
                    urls["bare"] = stack.enter_context(
                        served("benchmarks.bare_app:create_cached_app", {}, workers=workers)
                    )
                written, errors = asyncio.run(_run(server.base_url, urls, world, args.clients, args.reads, args.rounds))
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
