"""Latency of the `projectDashboard` query over HTTP, its SQL statement count, and its overhead over raw SQL.

For each database (seed them first with `python -m benchmarks.seed_large`), the app is served by uvicorn on a
loopback port in a background thread and the dashboard of the project with the most labels is requested
`--runs` times per window (after warm-up requests), one request at a time. The statements the request issues
are counted with a SQLAlchemy `before_cursor_execute` listener on the app's engine and captured with their
parameters; after each request the same statements are replayed directly through the same driver (exec_driver_sql,
all rows fetched), which is the "raw SQL" time, and the analytics service is called directly (its SQL plus the Python
that joins the results, without HTTP or GraphQL). Reported: median and p95 over HTTP, statements per request, raw
median, the ratio of the two medians, and the service's median with how the ratio splits between the HTTP/GraphQL
layer and the service.

    .venv/bin/python -m benchmarks.dashboard_latency
    .venv/bin/python -m benchmarks.dashboard_latency --runs 20 --days 1 7 28 --skip-postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import event, func, select

from benchmarks.seed_large import ANCHOR, DEFAULT_SQLITE_URL
from server.app import create_app
from server.db import Database
from server.db.models import Label, Task
from server.graphql.ids import encode_id
from server.services.analytics.dashboard import project_dashboard
from server.settings import Settings

DEFAULT_POSTGRESQL_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/labelops_bench"

QUERY = """
query($projectId: ID!, $from: DateTime, $to: DateTime) {
  projectDashboard(projectId: $projectId, from: $from, to: $to) {
    __typename
    ... on UserError { message }
    ... on ProjectDashboard {
      projectName
      quality { labels benchmarkAccuracy reviews approvalRate firstPassAcceptance reworkRate }
      agreement { units pairwise alpha byLabeler { labelerId agreement } }
      issues { raised open resolved meanHoursToResolve }
      speed { labels meanSeconds medianSeconds p90Seconds medianReviewSeconds labelsPerDay labelsPerLabelerHour }
      cost { cost costPerAcceptedLabel usage { day vendorId labels cost } budget { spent burn } }
      forecast { remainingTasks dailyCompletions expectedDate earliestDate latestDate onTrack }
      sla { attainment met openBreached byDay { day attainment } }
      days {
        day labels meanSeconds medianSeconds p90Seconds firstPassAcceptance approvalRate cost completedTasks
        slaAttainment
      }
      labelers { labelerId labels medianSeconds labelsPerHour cost agreement quality { benchmarkAccuracy } }
      learningCurves { labelerId initialSeconds plateauSeconds tauDays improvement points { tenureDay meanSeconds } }
      outliers { labelerId tenureWeek robustZ direction benchmarkAccuracy approvalRate }
    }
  }
}
"""


@dataclass
class _Capture:
    """Statements seen by the engine while `active`."""

    active: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if self.active:
            self.statements.append((statement, parameters))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * percent / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


async def _largest_project(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        async with database.session() as session:
            statement = (
                select(Task.project_id, func.count())
                .join(Label, Label.task_id == Task.id)
                .group_by(Task.project_id)
                .order_by(func.count().desc())
                .limit(1)
            )
            project_id, labels = (await session.execute(statement)).one()
            total = int(await session.scalar(select(func.count()).select_from(Label)) or 0)
        print(f"  {total:,} labels in the database; project {project_id} has {labels:,}")
        return int(project_id), int(labels)
    finally:
        await database.dispose()


async def _replay(database: Database, statements: list[tuple[str, Any]]) -> float:
    """Run the captured statements directly through the driver, in one transaction; the seconds it took."""
    async with database.engine.connect() as connection:
        began = time.perf_counter()
        for statement, parameters in statements:
            result = await connection.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.fetchall()
        elapsed = time.perf_counter() - began
        await connection.rollback()
    return elapsed


async def _service(database: Database, project_id: int, start: datetime, end: datetime) -> float:
    """The analytics service alone (`project_dashboard`: its SQL and the Python that joins it), no HTTP or GraphQL;
    the seconds it took."""
    began = time.perf_counter()
    async with database.session() as session:
        await project_dashboard(session, project_id, start=start, end=end)
    return time.perf_counter() - began


def _bench_database(name: str, url: str, windows: list[int], runs: int, warmup: int) -> None:
    print(f"{name}: {url}")
    project_id, _ = asyncio.run(_largest_project(url))
    settings = Settings(database_url=url, auth=False, graphiql=False, request_timeout_seconds=600.0)
    app = create_app(settings)
    database: Database = app.state.database
    capture = _Capture()
    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    # The raw replay and the service run here, on a loop and engine of their own, between the HTTP requests.
    loop = asyncio.new_event_loop()
    direct = Database(url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600.0) as client:
            for days in windows:
                end = ANCHOR
                start = end - timedelta(days=days)
                variables = {
                    "projectId": encode_id("Project", project_id),
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                }

                def request(variables: dict[str, Any] = variables) -> tuple[float, list[tuple[str, Any]]]:
                    capture.statements.clear()
                    capture.active = True
                    began = time.perf_counter()
                    response = client.post("/graphql", json={"query": QUERY, "variables": variables})
                    elapsed = time.perf_counter() - began
                    capture.active = False
                    response.raise_for_status()
                    body = response.json()
                    assert "errors" not in body, body["errors"]
                    assert body["data"]["projectDashboard"]["__typename"] == "ProjectDashboard", body
                    return elapsed, list(capture.statements)

                for _ in range(warmup):
                    _, statements = request()
                    loop.run_until_complete(_replay(direct, statements))
                    loop.run_until_complete(_service(direct, project_id, start, end))
                counts: list[int] = []
                latencies: list[float] = []
                raw: list[float] = []
                service: list[float] = []
                # Interleaved, so that drift in the machine's speed affects the three measurements alike.
                for _ in range(runs):
                    elapsed, statements = request()
                    latencies.append(elapsed)
                    counts.append(len(statements))
                    raw.append(loop.run_until_complete(_replay(direct, statements)))
                    service.append(loop.run_until_complete(_service(direct, project_id, start, end)))
                http_median = statistics.median(latencies)
                raw_median = statistics.median(raw)
                service_median = statistics.median(service)
                print(
                    f"  window {days:>2} d: HTTP median {http_median * 1000:6.1f} ms, "
                    f"p95 {_percentile(latencies, 95) * 1000:6.1f} ms; statements per request "
                    f"{sorted(set(counts))}; raw SQL median {raw_median * 1000:6.1f} ms; "
                    f"ratio {http_median / raw_median:4.2f}; service alone {service_median * 1000:6.1f} ms "
                    f"(HTTP/service {http_median / service_median:4.2f}, "
                    f"service/raw {service_median / raw_median:4.2f})",
                    flush=True,
                )
    finally:
        loop.run_until_complete(direct.dispose())
        loop.close()
        server.should_exit = True
        thread.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--postgresql-url", default=DEFAULT_POSTGRESQL_URL)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--days", type=int, nargs="+", default=[1, 7, 28], help="window lengths, ending at the anchor")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    print(f"dashboard windows end at {ANCHOR.isoformat()} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC run)")
    if not args.skip_sqlite:
        _bench_database("SQLite", args.sqlite_url, args.days, args.runs, args.warmup)
    if not args.skip_postgresql:
        _bench_database("PostgreSQL", args.postgresql_url, args.days, args.runs, args.warmup)


if __name__ == "__main__":
    main()
