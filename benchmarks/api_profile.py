"""Where a GraphQL request's time goes: cProfile over an in-process loop of requests through the whole ASGI app.

The app runs on the caller's event loop through httpx's ASGI transport (no sockets, no uvicorn), so the profile
shows the application's own work: authentication, the access guard, GraphQL parsing, validation and execution,
SQL and serialisation. Needs a seeded database and an admin key (see `benchmarks.api_speed`).

    .venv/bin/python -m benchmarks.api_profile --database-url sqlite+aiosqlite:///demo.sqlite3 --key lo_... \
        --query page --requests 300 --sort cumulative --limit 40
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys

import httpx

from benchmarks.api_speed import QUERIES
from server.app import create_app
from server.settings import Settings


async def _loop(database_url: str, key: str, query: str, requests: int, profiler: cProfile.Profile) -> None:
    app = create_app(Settings(database_url=database_url, rate_limit_per_second=0))
    headers = {"Authorization": f"Bearer {key}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(20):  # warm caches, compiled SQL and pools outside the profile
            (await client.post("/graphql", json={"query": query}, headers=headers)).raise_for_status()
        profiler.enable()
        for _ in range(requests):
            response = await client.post("/graphql", json={"query": query}, headers=headers)
        profiler.disable()
        if response.json().get("errors"):
            raise RuntimeError(response.text)
    await app.state.database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--query", choices=sorted(QUERIES), default="task page")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key (cumulative, tottime, ...)")
    parser.add_argument("--limit", type=int, default=40, help="rows of the profile to print")
    args = parser.parse_args(argv)
    profiler = cProfile.Profile()
    asyncio.run(_loop(args.database_url, args.key, QUERIES[args.query], args.requests, profiler))
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
