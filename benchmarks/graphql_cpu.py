"""CPU per operation of the GraphQL schema itself, in-process, as an admin: no HTTP, no key, nothing written.

Runs `benchmarks.api_speed`'s queries (and the task page's count alone) through the schema with a fresh request
context each time, `time.process_time` over blocks of executions, the queries taking turns; prints the median per
query. Any database works, the read-only benchmark ones included. For a before/after figure run it from each
checkout in turn, several times, and compare the medians:

    PYTHONPATH=/path/to/checkout .venv/bin/python -m benchmarks.graphql_cpu --database-url URL --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from benchmarks.api_speed import QUERIES
from server.auth.identity import Viewer
from server.db import Database
from server.db.access import Role
from server.graphql.context import Context
from server.graphql.schema import build_schema
from server.settings import Settings

OPERATIONS = {**QUERIES, "task count": "{ tasks(first: 20) { totalCount } }"}
_ADMIN = Viewer(role=Role.ADMIN, user_id=0)


async def measure(database_url: str, rounds: int, block: int) -> dict[str, list[float]]:
    """{operation: CPU seconds per execution, one figure per round}."""
    database = Database(database_url)
    settings = Settings(database_url=database_url)
    schema = build_schema()

    async def run(query: str) -> None:
        result = await schema.execute(query, context_value=Context(database, settings, viewer=_ADMIN))
        if result.errors:
            raise RuntimeError(f"{query}: {result.errors}")

    results: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    try:
        for query in OPERATIONS.values():  # warm caches, compiled SQL and the pool
            for _ in range(20):
                await run(query)
        for _ in range(rounds):
            for name, query in OPERATIONS.items():
                begun = time.process_time()
                for _ in range(block):
                    await run(query)
                results[name].append((time.process_time() - begun) / block)
    finally:
        await database.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block", type=int, default=30, help="executions per query and round")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.database_url, args.rounds, args.block))
    for name, seconds in results.items():
        print(f"{name:<12} {statistics.median(seconds) * 1e3:7.3f} ms of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
