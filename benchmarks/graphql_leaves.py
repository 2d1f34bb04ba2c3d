"""CPU cost of the GraphQL layer of a project dashboard request: graphql-core's general execution of every field,
`server.graphql.execution.DirectLeafExecutionContext` with its lists' objects completed one by one (basic scalar
fields read directly, an object of them in one loop), and the same context as it runs (lists of such objects
completed in one pass).

The app runs in-process (httpx's ASGI transport, no sockets). Each window's dashboard of the project with the
most labels is computed once by the service and then handed to the GraphQL field for every request (the service
is replaced in the query module), so a request measures parsing (cached), execution, conversion and JSON only.
Rounds alternate the three execution contexts on the same schema; their answers are checked equal first. Reported:
the medians of CPU milliseconds per request.

    .venv/bin/python -m benchmarks.graphql_leaves --url sqlite+aiosqlite:///bench.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from benchmarks.dashboard_latency import QUERY, _subjects
from benchmarks.seed_large import ANCHOR, DEFAULT_SQLITE_URL
from server.app import create_app
from server.graphql import http
from server.graphql.analytics import queries
from server.graphql.execution import DirectLeafExecutionContext
from server.graphql.ids import encode_id
from server.graphql.schema import build_schema
from server.services.analytics.dashboard import project_dashboard
from server.settings import Settings


class _ObjectsOneByOne(DirectLeafExecutionContext):
    """The direct reads without the list pass: each object of a list completed by graphql-core."""

    def complete_list_value(self, *args: Any) -> Any:
        return StrawberryGraphQLCoreExecutionContext.complete_list_value(self, *args)


CONTEXTS: dict[str, Any] = {
    "general": StrawberryGraphQLCoreExecutionContext,
    "objects one by one": _ObjectsOneByOne,
    "lists in one pass": DirectLeafExecutionContext,
}


async def _run(url: str, rounds: int, repeat: int) -> None:
    project = (await _subjects(url))["project"]
    built: list[Any] = []

    def capture(**options: Any) -> Any:
        built.append(build_schema(**options))
        return built[-1]

    http.build_schema = capture  # to reach the schema the endpoint executes with
    app = create_app(Settings(database_url=url, auth=False, graphiql=False, request_timeout_seconds=600.0))
    http.build_schema = build_schema
    (schema,) = built
    windows = {"whole days (7 d)": (ANCHOR - timedelta(days=7), ANCHOR), "whole history": (None, None)}
    async with app.router.lifespan_context(app):
        database = app.state.database
        answers = {}
        async with database.session() as session:
            for name, (start, end) in windows.items():
                answers[name] = await project_dashboard(session, project, start=start, end=end)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600.0) as client:
            for name, (start, end) in windows.items():
                answer = answers[name]

                async def cached(*_args: Any, answer: Any = answer, **_kwargs: Any) -> Any:
                    return answer

                queries.project_dashboard = cached  # the service, precomputed
                variables = {
                    "projectId": encode_id("Project", project),
                    "from": None if start is None else start.isoformat(),
                    "to": None if end is None else end.isoformat(),
                }

                async def request(context: Any, variables: dict[str, Any] = variables) -> bytes:
                    schema.execution_context_class = context
                    response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
                    response.raise_for_status()
                    return response.content

                bodies = {label: await request(context) for label, context in CONTEXTS.items()}
                assert len(set(bodies.values())) == 1, "the executions answer differently"
                cpu: dict[str, list[float]] = {label: [] for label in CONTEXTS}
                for _ in range(rounds):
                    for label, context in CONTEXTS.items():
                        began = time.process_time()
                        for _ in range(repeat):
                            await request(context)
                        cpu[label].append((time.process_time() - began) / repeat)
                medians = {label: statistics.median(values) for label, values in cpu.items()}
                print(
                    f"  {name}: {len(bodies['general']):,} bytes; "
                    + ", ".join(f"{label} {value * 1e3:.1f} ms" for label, value in medians.items())
                    + f"; one pass / general {medians['lists in one pass'] / medians['general']:.2f}"
                    + f", one pass / one by one {medians['lists in one pass'] / medians['objects one by one']:.2f}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="requests per round and context")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    asyncio.run(_run(args.url, args.rounds, args.repeat))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
