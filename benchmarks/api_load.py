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


def _write_errors(written: Outcomes) -> int:
    return sum(count for kind, count in written.answers.items() if kind not in _OK)


async def _run(
    urls: dict[str, str], worlds: dict[str, LoadWorld], clients: int, reads: int, rounds: int
) -> tuple[dict[str, Outcomes], int]:
    """`rounds` write phases (a share of the tasks each) against each LabelOps server in `worlds`, then `rounds`
    read phases against every app in `urls`, alternating which goes first in each round."""
    written = {app: Outcomes() for app in worlds}
    errors = 0
    summary: list[str] = []
    for phase, apps in (("writes", list(worlds)), ("reads", list(urls))):
        rates: dict[str, list[float]] = {app: [] for app in apps}
        everything = {app: Outcomes() for app in apps}
        for index in range(rounds):
            for app in apps if index % 2 == 0 else reversed(apps):
                if phase == "writes":
                    world = worlds[app]
                    share = LoadWorld(world.token, world.labelers, world.reviewers, world.tasks[index::rounds])
                    outcomes, seconds = await _writes(urls[app], share, clients)
                    failed = _write_errors(outcomes)
                    _merge(written[app], outcomes)
                else:
                    outcomes, seconds, failed = await _reads(
                        urls[app], worlds.get(app, worlds["labelops"]), clients, reads
                    )
                rates[app].append(_report(f"{phase} {app}", outcomes, seconds, failed))
                everything[app].latencies += outcomes.latencies
                errors += failed if app != "bare" else 0
        for app in apps:
            median = statistics.median(rates[app])
            latencies = sorted(everything[app].latencies)
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            summary.append(f"{phase:<6} {app:<9} median {median:7.1f} req/s  p50={p50:7.1f} ms  p99={p99:7.1f} ms")
            if app != "labelops":
                ratio = statistics.median(rates["labelops"]) / median
                summary[-1] += f"  labelops/{app} {ratio:.2f}"
    for app, outcomes in written.items():
        if _write_errors(outcomes):
            kinds = {kind: count for kind, count in outcomes.answers.items() if kind not in _OK}
            print(f"{app} write errors by kind: {kinds}; first messages: {outcomes.messages[:3]}")
    print(f"medians over {rounds} round(s), latencies over all of them:", *summary, sep="\n  ")
    return written, errors


def _merge(into: Outcomes, outcomes: Outcomes) -> None:
    into.labels |= outcomes.labels
    into.reviews |= outcomes.reviews
    into.messages += outcomes.messages
    for kind, count in outcomes.answers.items():
        into.answers[kind] = into.answers.get(kind, 0) + count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=500, help="tasks to label and review (one label each)")
    parser.add_argument("--reads", type=int, default=20, help="page reads per client in each read phase")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default: as `labelops serve`: cores on PostgreSQL)"
    )
    parser.add_argument("--reference", action="store_true", help="also read from the bare app, alternating")
    parser.add_argument("--rounds", type=int, default=1, help="write and read phases per app")
    parser.add_argument("--app-root", type=Path, default=_ROOT, help="the checkout whose LabelOps is served")
    parser.add_argument("--baseline-root", type=Path, default=None, help="also serve this checkout, alternating")
    parser.add_argument(
        "--baseline-database-url", default=None, help="the baseline's own database (default: a temporary SQLite file)"
    )
    parser.add_argument(
        "--baseline-plain", action="store_true", help="serve the baseline on asyncio and h11 even if uvloop is there"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        roots = {"labelops": args.app_root}
        databases = {"labelops": args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'load.sqlite3'}"}
        if args.baseline_root is not None:
            roots["baseline"] = args.baseline_root
            databases["baseline"] = (
                args.baseline_database_url or f"sqlite+aiosqlite:///{Path(directory) / 'baseline.sqlite3'}"
            )
        worlds = {app: prepare_load_world(url, tasks=args.tasks) for app, url in databases.items()}
        try:
            workers = default_workers(databases["labelops"]) if args.workers is None else args.workers
            loop = "uvloop" if find_spec("uvloop") else "asyncio"
            http = "httptools" if find_spec("httptools") else "h11"
            print(f"{workers} server worker(s), {args.clients} clients; {loop} and {http} installed")
            with ExitStack() as stack:
                urls: dict[str, str] = {}
                for app, root in roots.items():
                    environment = {"LABELOPS_DATABASE_URL": databases[app], "LABELOPS_RATE_LIMIT": "0"}
                    options = _PLAIN if app == "baseline" and args.baseline_plain else ()
                    server = served("server.app:create_app", environment, root, workers, options=options)
                    urls[app] = stack.enter_context(server)
                    print(f"{app}: LabelOps from {root}{' on asyncio and h11' if options else ''}")
                if args.reference:
                    # The reference stays on asyncio's loop and h11 whatever is installed: the same ceiling in
                    # every run, so runs of different code (or with uvloop and httptools) compare through it.
                    reference = served("benchmarks.bare_app:create_cached_app", {}, workers=workers, options=_PLAIN)
                    urls["bare"] = stack.enter_context(reference)
                written, errors = asyncio.run(_run(urls, worlds, args.clients, args.reads, args.rounds))
            states = {app: check_invariants(url, written[app]) for app, url in databases.items()}
        finally:
            for url in databases.values():
                drop_database(url)
    failed = errors > 0
    for app, state in states.items():
        lost = len(state["missing_labels"]) + len(state["missing_reviews"])
        failed = failed or lost > 0 or bool(state["inconsistent_tasks"])
        print(
            f"{app}: labels={state['labels']} reviews={state['reviews']} lost_writes={lost} "
            f"inconsistent_tasks={len(state['inconsistent_tasks'])}"
        )
    print(f"errors={errors}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
