"""Per-request speed of the GraphQL API against a bare Strawberry app, over loopback HTTP, in the same run.

Seeds the demo workspace into a temporary SQLite file (or uses `--database-url` with `--key`), serves LabelOps
(access control on, rate limit off) and `benchmarks.bare_app` (the same response shapes from memory) with uvicorn
in two subprocesses, and sends one request at a time over a kept-alive connection, alternating between the two
apps (and which goes first) so that drift in the machine's load hits both alike. Prints the median latency of
each, the ratio of the medians, and the median of the paired ratios with a bootstrap 95% interval.

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
def _served(target: str, environment: dict[str, str], extra: tuple[str, ...] = ()) -> Iterator[str]:
    """uvicorn serving the app factory `target` on a free loopback port until the block ends."""
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=_ROOT, env={**os.environ, **environment})
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            try:
                httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} did not start within 60 s") from None
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


@dataclass
class Timings:
    app: list[float]
    bare: list[float]

    def summary(self, name: str, seed: int = 0) -> str:
        ratios = np.array(self.app) / np.array(self.bare)
        rng = np.random.default_rng(seed)
        boots = np.median(rng.choice(ratios, size=(2000, len(ratios))), axis=1)
        low, high = np.percentile(boots, [2.5, 97.5])
        app, bare = statistics.median(self.app) * 1e3, statistics.median(self.bare) * 1e3
        return (
            f"{name:<10} labelops {app:7.2f} ms   bare {bare:6.2f} ms   ratio of medians {app / bare:5.2f}   "
            f"paired ratio {np.median(ratios):5.2f} [{low:.2f}, {high:.2f}]"
        )


def _time(client: httpx.Client, url: str, query: str, headers: dict[str, str]) -> float:
    begun = time.perf_counter()
    response = client.post(url, json={"query": query}, headers=headers)
    elapsed = time.perf_counter() - begun
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{url} answered {response.status_code}: {body}")
    return elapsed


def measure(app_url: str, bare_url: str, key: str, runs: int, warmup: int) -> dict[str, Timings]:
    headers = {"Authorization": f"Bearer {key}"}
    results = {name: Timings([], []) for name in QUERIES}
    with httpx.Client(timeout=30) as app_client, httpx.Client(timeout=30) as bare_client:
        for index in range(warmup + runs):
            for name, query in QUERIES.items():
                pair = [(app_client, app_url, headers), (bare_client, bare_url, {})]
                if index % 2:
                    pair.reverse()
                times = {url: _time(client, url, query, extra) for client, url, extra in pair}
                if index >= warmup:
                    results[name].app.append(times[app_url])
                    results[name].bare.append(times[bare_url])
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="measured request pairs per query")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="an already seeded database (needs --key)")
    parser.add_argument("--key", default=None, help="an admin API key for --database-url")
    args = parser.parse_args(argv)
    if (args.database_url is None) != (args.key is None):
        parser.error("--database-url and --key go together")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'demo.sqlite3'}"
        key = args.key or seed_demo(url)
        environment = {"LABELOPS_DATABASE_URL": url, "LABELOPS_RATE_LIMIT": "0"}
        with (
            _served("server.app:create_app", environment) as app_url,
            _served("benchmarks.bare_app:create_app", {}) as bare_url,
        ):
            results = measure(app_url, bare_url, key, args.runs, args.warmup)
    print(f"{args.runs} alternating request pairs per query, one at a time, loopback HTTP, {os.cpu_count()} cores")
    for name, timings in results.items():
        print(timings.summary(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
