"""Per-request speed of the GraphQL API against a bare Strawberry app, over loopback HTTP, in the same run.

Seeds the demo workspace into a temporary SQLite file (or uses `--database-url` with `--key`), serves LabelOps
(access control on, rate limit off) and `benchmarks.bare_app` (the same response shapes from memory) with uvicorn
in two subprocesses, and sends one request at a time over a kept-alive connection, alternating between the two
apps (and rotating which goes first) so that drift in the machine's load hits both alike. Prints the median latency of
each, the ratio of the medians, and the median of the paired ratios with a bootstrap 95% interval. Two references:
Strawberry as it ships (`bare`) and with its parser and validation caches (`bare+cache`, as LabelOps runs).

Then the servers' CPU per request: each round sends every app a block of requests in turn (the order rotating) and
divides the server process's user + system time over the block by its size (the kernel counts CPU time in ticks
of 10 ms, too coarse for one request); medians over the rounds, and the ratio of the medians. Unlike latency, this
hardly depends on how busy the machine is. `--baseline-root` serves an older checkout as a fourth app (`before`)
on the same database, for a before/after comparison in the same run.

    .venv/bin/python -m benchmarks.api_speed --runs 200
    .venv/bin/python -m benchmarks.api_speed --database-url URL --key KEY --baseline-root /path/to/main \
        --runs 100 --cpu-rounds 30 --cpu-block 40
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np

_ROOT = Path(__file__).resolve().parents[1]

VIEWER = "{ viewer { role } }"
TASK_PAGE = "{ tasks(first: 20) { totalCount edges { node { id status labels { id status } } } } }"
QUERIES = {"viewer": VIEWER, "task page": TASK_PAGE}
_KEY = re.compile(r"Bearer (lo_[A-Za-z0-9_\-]+)")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    target: str, environment: dict[str, str], root: Path = _ROOT, workers: int = 1, options: Sequence[str] = ()
) -> Iterator[str]:
    """uvicorn serving the app factory `target` (imported from the checkout `root`) on a free loopback port;
    `options` go to uvicorn's command line."""
    with served_process(target, environment, root, workers, options) as (url, _process):
        yield url


@contextmanager
def served_process(
    target: str, environment: dict[str, str], root: Path = _ROOT, workers: int = 1, options: Sequence[str] = ()
) -> Iterator[tuple[str, int]]:
    """`served`, with the server's process id (with one worker, the process that answers) for its CPU time."""
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log", *options,
    ]  # fmt: skip
    # The checkout first; an inherited path after it (optional extras such as an event loop installed elsewhere).
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    process = subprocess.Popen(command, cwd=root, env={**os.environ, "PYTHONPATH": path, **environment})
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 300  # a loaded machine imports slowly
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            try:
                httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} did not start within 300 s") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def seed_demo(database_url: str) -> str:
    """Seed the demo workspace and return the demo admin's new API key."""
    command = [sys.executable, "-m", "server.cli", "seed-demo", "--database-url", database_url]
    output = subprocess.run(command, cwd=_ROOT, check=True, capture_output=True, text=True).stdout
    match = _KEY.search(output)
    if match is None:
        raise RuntimeError(f"no API key in the seeder's output:\n{output}")
    return match.group(1)


APPS = ("labelops", "before", "bare", "bare+cache")


def _ratio_summary(app: list[float], reference: list[float], seed: int = 0) -> str:
    """Ratio of the medians, and the median of the paired ratios with a bootstrap 95% interval."""
    ratios = np.array(app) / np.array(reference)
    rng = np.random.default_rng(seed)
    boots = np.median(rng.choice(ratios, size=(2000, len(ratios))), axis=1)
    low, high = np.percentile(boots, [2.5, 97.5])
    return (
        f"{statistics.median(app) / statistics.median(reference):5.2f}  (paired {np.median(ratios):.2f} "
        f"[{low:.2f}, {high:.2f}])"
    )


def _time(client: httpx.Client, url: str, query: str, headers: dict[str, str]) -> float:
    begun = time.perf_counter()
    response = client.post(url, json={"query": query}, headers=headers)
    elapsed = time.perf_counter() - begun
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{url} answered {response.status_code}: {body}")
    return elapsed


def measure(urls: dict[str, str], key: str, runs: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    """{query: {app: latencies}}, each round asking every app once, in an order that rotates every round."""
    headers = _headers(key)
    results: dict[str, dict[str, list[float]]] = {name: {app: [] for app in urls} for name in QUERIES}
    clients = {app: httpx.Client(timeout=30) for app in urls}
    order = list(urls)
    try:
        for index in range(warmup + runs):
            for name, query in QUERIES.items():
                rotated = order[index % len(order) :] + order[: index % len(order)]
                for app in rotated:
                    elapsed = _time(clients[app], urls[app], query, headers.get(app, {}))
                    if index >= warmup:
                        results[name][app].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return results


def _headers(key: str) -> dict[str, dict[str, str]]:
    authorization = {"Authorization": f"Bearer {key}"}
    return {"labelops": authorization, "before": authorization}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux: fields 14 and 15 of /proc/PID/stat, in ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(
    urls: dict[str, str], processes: dict[str, int], key: str, rounds: int, block: int
) -> dict[str, dict[str, list[float]]]:
    """{query: {app: CPU seconds per request of the server, one figure per round}}, each round sending every app
    a block of `block` requests, in an order that rotates every round; one round of warm-up."""
    headers = _headers(key)
    results: dict[str, dict[str, list[float]]] = {name: {app: [] for app in urls} for name in QUERIES}
    clients = {app: httpx.Client(timeout=30) for app in urls}
    order = list(urls)
    try:
        for index in range(1 + rounds):
            for name, query in QUERIES.items():
                rotated = order[index % len(order) :] + order[: index % len(order)]
                for app in rotated:
                    before = _cpu_seconds(processes[app])
                    for _ in range(block):
                        _time(clients[app], urls[app], query, headers.get(app, {}))
                    if index > 0:
                        results[name][app].append((_cpu_seconds(processes[app]) - before) / block)
    finally:
        for client in clients.values():
            client.close()
    return results


def report(results: dict[str, dict[str, list[float]]], heading: str) -> None:
    """Medians per app, and LabelOps' (and the baseline's) ratios to the other apps."""
    print(heading)
    apps = list(next(iter(results.values())))
    subjects = [app for app in ("labelops", "before") if app in apps]
    print(f"{'query':<10} " + " ".join(f"{app:>11}" for app in apps))
    for name, by_app in results.items():
        print(f"{name:<10} " + " ".join(f"{statistics.median(by_app[app]) * 1e3:8.3f} ms" for app in apps))
        for subject in subjects:
            for reference in apps:
                if reference != subject and not (subject == "before" and reference == "labelops"):
                    print(f"{'':<10} {subject}/{reference:<11} {_ratio_summary(by_app[subject], by_app[reference])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="measured request pairs per query")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="an already seeded database (needs --key)")
    parser.add_argument("--key", default=None, help="an admin API key for --database-url")
    parser.add_argument(
        "--app-root",
        type=Path,
        default=_ROOT,
        help="serve LabelOps from this checkout (e.g. an older commit, for a before/after table)",
    )
    parser.add_argument(
        "--baseline-root", type=Path, default=None, help="also serve this checkout (`before`) on the same database"
    )
    parser.add_argument("--cpu-rounds", type=int, default=20, help="rounds of the CPU measurement (0: skip it)")
    parser.add_argument("--cpu-block", type=int, default=40, help="requests per app and round for the CPU figures")
    args = parser.parse_args(argv)
    if (args.database_url is None) != (args.key is None):
        parser.error("--database-url and --key go together")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'demo.sqlite3'}"
        key = args.key or seed_demo(url)
        environment = {"LABELOPS_DATABASE_URL": url, "LABELOPS_RATE_LIMIT": "0"}
        with ExitStack() as servers:
            roots = {"labelops": args.app_root.resolve()}
            if args.baseline_root is not None:
                roots["before"] = args.baseline_root.resolve()
            apps = {app: ("server.app:create_app", environment, root) for app, root in roots.items()}
            apps["bare"] = ("benchmarks.bare_app:create_app", {}, _ROOT)
            apps["bare+cache"] = ("benchmarks.bare_app:create_cached_app", {}, _ROOT)
            started = {app: servers.enter_context(served_process(*spec)) for app, spec in apps.items()}
            urls = {app: url for app, (url, _process) in started.items()}
            latencies = measure(urls, key, args.runs, args.warmup)
            processes = {app: process for app, (_url, process) in started.items()}
            cpu = measure_cpu(urls, processes, key, args.cpu_rounds, args.cpu_block) if args.cpu_rounds else {}
    report(
        latencies,
        f"latency: {args.runs} rounds per query (each app once per round, order rotating), one request at a time, "
        "loopback HTTP",
    )
    if cpu:
        report(
            cpu,
            f"server CPU (user + system) per request: {args.cpu_rounds} rounds of {args.cpu_block} requests per app "
            "and query, order rotating",
        )
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
