"""Per-request speed of the GraphQL API against a bare Strawberry app, over loopback HTTP, in the same run.

Seeds the demo workspace into a temporary SQLite file (or uses `--database-url` with `--key`), serves LabelOps
(access control on, rate limit off) and `benchmarks.bare_app` (the same response shapes from memory) with uvicorn
in two subprocesses, and sends one request at a time over a kept-alive connection, alternating between the two
apps (and rotating which goes first) so that drift in the machine's load hits both alike. Prints the median latency of
each, the ratio of the medians, and the median of the paired ratios with a bootstrap 95% interval. Two references:
Strawberry as it ships (`bare`) and with its parser and validation caches (`bare+cache`, as LabelOps runs).

    .venv/bin/python -m benchmarks.api_speed --runs 200
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
from contextlib import contextmanager
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
        yield url
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


APPS = ("labelops", "bare", "bare+cache")


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
    headers = {"labelops": {"Authorization": f"Bearer {key}"}}
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


def report(results: dict[str, dict[str, list[float]]], runs: int) -> None:
    print(f"{runs} rounds per query (each app once per round, order rotating), one request at a time, loopback HTTP")
    print(
        f"{'query':<10} {'labelops':>9} {'bare':>8} {'bare+cache':>11}   labelops/bare                 "
        "labelops/bare+cache"
    )
    for name, by_app in results.items():
        medians = {app: statistics.median(times) * 1e3 for app, times in by_app.items()}
        print(
            f"{name:<10} {medians['labelops']:6.2f} ms {medians['bare']:5.2f} ms {medians['bare+cache']:8.2f} ms   "
            f"{_ratio_summary(by_app['labelops'], by_app['bare'])}   "
            f"{_ratio_summary(by_app['labelops'], by_app['bare+cache'])}"
        )


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
    args = parser.parse_args(argv)
    if (args.database_url is None) != (args.key is None):
        parser.error("--database-url and --key go together")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'demo.sqlite3'}"
        key = args.key or seed_demo(url)
        environment = {"LABELOPS_DATABASE_URL": url, "LABELOPS_RATE_LIMIT": "0"}
        with (
            served("server.app:create_app", environment, args.app_root.resolve()) as app_url,
            served("benchmarks.bare_app:create_app", {}) as bare_url,
            served("benchmarks.bare_app:create_cached_app", {}) as cached_url,
        ):
            urls = {"labelops": app_url, "bare": bare_url, "bare+cache": cached_url}
            results = measure(urls, key, args.runs, args.warmup)
    report(results, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
