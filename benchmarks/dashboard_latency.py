"""Latency of the analytics queries over HTTP, per window shape and scope, their SQL statement count, and their
overhead over raw SQL.

For each database (seed them first with `python -m benchmarks.seed_large`), the app is served by uvicorn on a
loopback port in a background thread. Scopes: the project with the most labels (`projectDashboard`), the vendor
and the labeler with the most labels on it (`operationsMetrics` with `vendorId` or `labelerId`). Window shapes:
`--days` whole UTC days ending at the anchor, the same length cut inside days at both ends (from 05:30 to 21:00),
and the whole history (no bounds). Each case is requested `--runs` times (after warm-up requests), one request at
a time. The statements the request issues
are counted with a SQLAlchemy `before_cursor_execute` listener on the app's engine and captured with their
parameters (those of the server's background tasks, which can fall inside a slow request, are counted apart);
after each request the same statements are replayed directly through the same driver (exec_driver_sql,
all rows fetched), which is the "raw SQL" time, and the analytics service is called directly (its SQL plus the Python
that joins the results, without HTTP or GraphQL). Reported: median and p95 over HTTP, statements per request, raw
median, the ratio of the two medians, and the service's median with how the ratio splits between the HTTP/GraphQL
layer and the service.

    .venv/bin/python -m benchmarks.dashboard_latency
    .venv/bin/python -m benchmarks.dashboard_latency --runs 20 --days 28 --skip-postgresql
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
from server.db.models import Label, Labeler, Task
from server.graphql.ids import encode_id
from server.services.analytics.dashboard import project_dashboard, scope_metrics
from server.services.analytics.scope import Scope
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

METRICS_QUERY = """
query($vendorId: ID, $labelerId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(vendorId: $vendorId, labelerId: $labelerId, from: $from, to: $to) {
    __typename
    ... on UserError { message }
    ... on OperationsMetrics {
      quality { labels benchmarkAccuracy reviews approvalRate firstPassAcceptance reworkRate }
      agreement { units pairwise alpha byLabeler { labelerId agreement } }
      issues { raised open resolved meanHoursToResolve }
      speed { labels meanSeconds medianSeconds p90Seconds medianReviewSeconds p90ReviewSeconds }
      cost { cost usage { day vendorId labels cost } }
      labelers { labelerId labels medianSeconds p90Seconds cost agreement quality { benchmarkAccuracy } }
    }
  }
}
"""


@dataclass(frozen=True)
class _Case:
    """One scope over one window: the GraphQL request and the service call that answer it."""

    scope: str  # project, vendor or labeler
    shape: str  # whole days, partial days or whole history
    start: datetime | None
    end: datetime | None
    ids: dict[str, int]

    @property
    def query(self) -> tuple[str, str]:
        return (QUERY, "projectDashboard") if self.scope == "project" else (METRICS_QUERY, "operationsMetrics")

    def variables(self) -> dict[str, Any]:
        names = {
            "project": ("projectId", "Project"),
            "vendor": ("vendorId", "Vendor"),
            "labeler": ("labelerId", "Labeler"),
        }
        name, kind = names[self.scope]
        return {
            name: encode_id(kind, self.ids[self.scope]),
            "from": None if self.start is None else self.start.isoformat(),
            "to": None if self.end is None else self.end.isoformat(),
        }

    async def serve(self, database: Database) -> None:
        async with database.session() as session:
            if self.scope == "project":
                await project_dashboard(session, self.ids["project"], start=self.start, end=self.end)
            else:
                scope = Scope(**{f"{self.scope}_id": self.ids[self.scope]}, start=self.start, end=self.end)
                await scope_metrics(session, scope)


def _cases(ids: dict[str, int], days: list[int]) -> list[_Case]:
    shapes: list[tuple[str, datetime | None, datetime | None]] = []
    for length in days:
        start = ANCHOR - timedelta(days=length)
        shapes.append((f"whole days ({length} d)", start, ANCHOR))
        shapes.append(
            (f"partial days ({length} d)", start + timedelta(hours=5, minutes=30), ANCHOR - timedelta(hours=3))
        )
    shapes.append(("whole history", None, None))
    return [
        _Case(scope, shape, start, end, ids)
        for shape, start, end in shapes
        for scope in ("project", "vendor", "labeler")
    ]


# Tasks the server runs beside the requests (the simulation runs' lease heartbeat every few seconds, the alerts
# loop): their statements land inside a slow request's capture but are not the request's.
_BACKGROUND_TASKS = ("simulation-run", "labelops-alerts")


def _background() -> bool:
    """Whether the statement being executed comes from one of the server's background tasks."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: not the server's
        return False
    return task is not None and task.get_name().startswith(_BACKGROUND_TASKS)


@dataclass
class _Capture:
    """Statements the requests issue while `active` (the server's background statements are counted apart)."""

    active: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)
    background: int = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not self.active:
            return
        if _background():
            self.background += 1
        else:
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


async def _subjects(url: str) -> dict[str, int]:
    """The project with the most labels, and the vendor and labeler with the most labels on it."""
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
            people = (
                select(Labeler.vendor_id, Label.labeler_id, func.count())
                .join(Task, Task.id == Label.task_id)
                .join(Labeler, Labeler.id == Label.labeler_id)
                .where(Task.project_id == project_id)
                .group_by(Labeler.vendor_id, Label.labeler_id)
                .subquery()
            )
            vendor_id = (
                (
                    await session.execute(
                        select(people.c.vendor_id)
                        .group_by(people.c.vendor_id)
                        .order_by(func.sum(people.c.count).desc())
                    )
                )
                .scalars()
                .first()
            )
            labeler_id = (
                (await session.execute(select(people.c.labeler_id).order_by(people.c.count.desc()))).scalars().first()
            )
            total = int(await session.scalar(select(func.count()).select_from(Label)) or 0)
        print(
            f"  {total:,} labels in the database; project {project_id} has {labels:,}; "
            f"vendor {vendor_id}, labeler {labeler_id}",
            flush=True,
        )
        return {"project": int(project_id), "vendor": int(vendor_id or 0), "labeler": int(labeler_id or 0)}
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


async def _service(database: Database, case: _Case) -> float:
    """The analytics service alone (its SQL and the Python that joins it), no HTTP or GraphQL; the seconds it took."""
    began = time.perf_counter()
    await case.serve(database)
    return time.perf_counter() - began


def _bench_database(name: str, url: str, days: list[int], runs: int, warmup: int) -> list[str]:
    print(f"{name}: {url}", flush=True)
    ids = asyncio.run(_subjects(url))
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
    table: list[str] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600.0) as client:
            for case in _cases(ids, days):
                query, field_name = case.query
                variables = case.variables()

                def request(
                    query: str = query, field_name: str = field_name, variables: dict[str, Any] = variables
                ) -> tuple[float, list[tuple[str, Any]]]:
                    capture.statements.clear()
                    capture.active = True
                    began = time.perf_counter()
                    response = client.post("/graphql", json={"query": query, "variables": variables})
                    elapsed = time.perf_counter() - began
                    capture.active = False
                    response.raise_for_status()
                    body = response.json()
                    assert "errors" not in body, body["errors"]
                    assert body["data"][field_name]["__typename"] != "ValidationError", body
                    assert body["data"][field_name]["__typename"] != "NotFoundError", body
                    return elapsed, list(capture.statements)

                for _ in range(warmup):
                    _, statements = request()
                    loop.run_until_complete(_replay(direct, statements))
                    loop.run_until_complete(_service(direct, case))
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
                    service.append(loop.run_until_complete(_service(direct, case)))
                http_median = statistics.median(latencies)
                raw_median = statistics.median(raw)
                service_median = statistics.median(service)
                print(
                    f"  {case.shape:<22} {case.scope:<8}: HTTP median {http_median * 1000:6.1f} ms, "
                    f"p95 {_percentile(latencies, 95) * 1000:6.1f} ms; statements {sorted(set(counts))} "
                    f"(background beside them so far: {capture.background}); "
                    f"raw SQL median {raw_median * 1000:6.1f} ms; ratio {http_median / raw_median:4.2f}; "
                    f"service alone {service_median * 1000:6.1f} ms",
                    flush=True,
                )
                table.append(
                    f"| {name} | {case.shape} | {case.scope} | {http_median * 1000:.0f} | "
                    f"{_percentile(latencies, 95) * 1000:.0f} | {raw_median * 1000:.0f} | "
                    f"{http_median / raw_median:.2f} |"
                )
    finally:
        loop.run_until_complete(direct.dispose())
        loop.close()
        server.should_exit = True
        thread.join(timeout=30)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--postgresql-url", default=DEFAULT_POSTGRESQL_URL)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--days", type=int, nargs="+", default=[7], help="window lengths, ending at the anchor")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    print(f"windows end at {ANCHOR.isoformat()} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC run)", flush=True)
    table = [
        "| database | window | scope | HTTP median ms | p95 ms | raw SQL median ms | HTTP / raw |",
        "|---|---|---|---|---|---|---|",
    ]
    if not args.skip_sqlite:
        table += _bench_database("SQLite", args.sqlite_url, args.days, args.runs, args.warmup)
    if not args.skip_postgresql:
        table += _bench_database("PostgreSQL", args.postgresql_url, args.days, args.runs, args.warmup)
    print("\n".join(table))


if __name__ == "__main__":
    main()
