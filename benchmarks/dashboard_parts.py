"""Where a project dashboard request's time goes: the whole request, the service, its learning-curve fits, the
conversion to GraphQL types, and the rest (GraphQL execution and JSON), medians over `--runs` requests; and the
request's CPU time (the process's, SQLite's statements included, as they run in its driver thread), which the
other engineers' work on a shared machine disturbs less than the wall-clock parts.

The app is served in-process through httpx's ASGI transport (no sockets) with authentication off; the parts are
timed by wrapping the names the query module and the dashboard call. Run it with each checkout on PYTHONPATH,
alternating, to compare two versions of the code:

    PYTHONPATH=. .venv/bin/python -m benchmarks.dashboard_parts --url sqlite+aiosqlite:///bench.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from benchmarks.dashboard_latency import QUERY, _subjects
from benchmarks.seed_large import ANCHOR, DEFAULT_SQLITE_URL
from server.app import create_app
from server.graphql.analytics import queries
from server.graphql.ids import encode_id
from server.services.analytics import dashboard
from server.settings import Settings

PARTS = ("request", "request CPU", "service", "learning curves", "conversion", "GraphQL and JSON")


def _timed(seconds: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = time.perf_counter() - began

    return timed


async def _run(url: str, runs: int) -> None:
    project = (await _subjects(url))["project"]
    seconds: dict[str, float] = {}
    service = queries.project_dashboard

    async def timed_service(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await service(*args, **kwargs)
        finally:
            seconds["service"] = time.perf_counter() - began

    queries.project_dashboard = timed_service
    queries.from_service = _timed(seconds, "conversion", queries.from_service)
    dashboard.learning_curves = _timed(seconds, "learning curves", dashboard.learning_curves)
    app = create_app(Settings(database_url=url, auth=False, graphiql=False, request_timeout_seconds=600.0))
    windows = {"whole days (7 d)": (ANCHOR - timedelta(days=7), ANCHOR), "whole history": (None, None)}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600.0) as client:
            for name, (start, end) in windows.items():
                variables = {
                    "projectId": encode_id("Project", project),
                    "from": None if start is None else start.isoformat(),
                    "to": None if end is None else end.isoformat(),
                }
                parts: dict[str, list[float]] = {part: [] for part in PARTS}
                for run in range(runs + 1):  # the first warms the caches
                    began, began_cpu = time.perf_counter(), time.process_time()
                    response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
                    total, cpu = time.perf_counter() - began, time.process_time() - began_cpu
                    response.raise_for_status()
                    assert "errors" not in response.json(), response.text[:500]
                    if run:
                        parts["request"].append(total)
                        parts["request CPU"].append(cpu)
                        for part in ("service", "learning curves", "conversion"):
                            parts[part].append(seconds[part])
                        parts["GraphQL and JSON"].append(total - seconds["service"] - seconds["conversion"])
                print(
                    f"  {name}: "
                    + ", ".join(f"{part} {statistics.median(values) * 1e3:.1f} ms" for part, values in parts.items()),
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    asyncio.run(_run(args.url, args.runs))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
