"""Platform subcommands of `labelops`: database migrations, serving, seeding and static assets.

Every handler returns an exit status; expected failures (a bad argument, an unreachable database, npm missing)
print one `error:` line to stderr instead of a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from server.settings import Settings, load_settings

__all__ = ["register"]

_Handler = Callable[[argparse.Namespace], int]


class _UsageError(Exception):
    """A command-line value that cannot be used; the message names the option."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the platform's subcommands; each sets `handler` to a callable taking the parsed args."""
    serve = subparsers.add_parser("serve", help="migrate the database and serve the API (GraphiQL at /graphql)")
    serve.add_argument("--demo", action="store_true", help="seed the demo workspace first (once; idempotent)")
    serve.add_argument("--seed", type=int, default=7, help="random seed of the demo workspace (default: 7)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: one per core on PostgreSQL, 1 on SQLite, which has one writer at a time)",
    )
    _add_database_option(serve)
    serve.set_defaults(handler=_guarded(_serve))

    seed = subparsers.add_parser("seed-demo", help="migrate, then seed the demo workspace (idempotent)")
    seed.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    seed.add_argument("--scale", type=float, default=1.0, help="task volume multiplier; 1.0 is ~50,000 labels")
    seed.add_argument(
        "--anchor", default=None, help="ISO timestamp with time zone where the data ends (default: today 00:00 UTC)"
    )
    _add_database_option(seed)
    seed.set_defaults(handler=_guarded(_seed_demo))

    db = subparsers.add_parser("db", help="database schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (default: up to the newest)")
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    _add_database_option(upgrade)
    upgrade.set_defaults(handler=_guarded(_db_upgrade))
    downgrade = db_commands.add_parser("downgrade", help="revert migrations (default: one step)")
    downgrade.add_argument("--revision", default="-1", help="target revision, `-1` or `base` (default: -1)")
    _add_database_option(downgrade)
    downgrade.set_defaults(handler=_guarded(_db_downgrade))
    current = db_commands.add_parser("current", help="print the database's revision and the newest one")
    _add_database_option(current)
    current.set_defaults(handler=_guarded(_db_current))

    assets = subparsers.add_parser("assets", help="browser assets of the GraphiQL IDE")
    assets_commands = assets.add_subparsers(dest="assets_command", required=True, metavar="ACTION")
    install = assets_commands.add_parser("install", help="install the pinned GraphiQL packages with npm")
    install.set_defaults(handler=_guarded(_assets_install))


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy async URL (default: $LABELOPS_DATABASE_URL, else the SQLite file var/labelops.sqlite3)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    url = getattr(args, "database_url", None)
    return dataclasses.replace(settings, database_url=url) if url else settings


def _guarded(handler: _Handler) -> _Handler:
    """Turn expected failures into one readable line and exit status 1 (2 for bad arguments)."""
    from server.assets import AssetError
    from server.services.errors import DomainError

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except _UsageError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 2
        except AssetError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except (SQLAlchemyError, OSError) as error:
            print(f"error: database {_redacted(_settings(args).database_url)}: {_first_line(error)}", file=sys.stderr)
            return 1

    return run


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported as such by the driver; never echo a password
        return "<unparsable URL>"


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coroutine)


async def _with_database(settings: Settings, action: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    from server.db.session import Database

    try:
        database = Database(settings.database_url, echo=settings.echo_sql)
    except Exception as error:  # create_engine refuses a malformed URL or an unknown driver
        raise _UsageError(f"--database-url {_redacted(settings.database_url)!s} is not usable: {error}") from error
    try:
        return await action(database)
    finally:
        await database.dispose()


def _db_upgrade(args: argparse.Namespace) -> int:
    from server.db import migrations

    async def action(database: Any) -> int:
        await migrations.upgrade(database, args.revision)
        print(f"database at revision {await migrations.current_revision(database)}")
        return 0

    return _run(_with_database(_settings(args), action))


def _db_downgrade(args: argparse.Namespace) -> int:
    from server.db import migrations

    async def action(database: Any) -> int:
        await migrations.downgrade(database, args.revision)
        print(f"database at revision {await migrations.current_revision(database) or 'base (empty)'}")
        return 0

    return _run(_with_database(_settings(args), action))


def _db_current(args: argparse.Namespace) -> int:
    from server.db import migrations

    async def action(database: Any) -> int:
        revision = await migrations.current_revision(database)
        head = migrations.head_revision()
        state = "up to date" if revision == head else "needs `labelops db upgrade`"
        print(f"current: {revision or 'none'}  head: {head}  ({state})")
        return 0

    return _run(_with_database(_settings(args), action))


def _parse_anchor(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        anchor = datetime.fromisoformat(raw)
    except ValueError as error:
        raise _UsageError(f"--anchor must be an ISO 8601 timestamp, got {raw!r}") from error
    if anchor.tzinfo is None:
        raise _UsageError(f"--anchor must include a time zone (e.g. 2026-01-05T00:00:00+00:00), got {raw!r}")
    return anchor


def _seed_demo(args: argparse.Namespace) -> int:
    anchor = _parse_anchor(args.anchor)
    if not 0.0 < args.scale <= 10.0:
        raise _UsageError(f"--scale must be greater than 0 and at most 10, got {args.scale!r}")
    return _run(_prepare(_settings(args), demo=True, seed=args.seed, anchor=anchor, scale=args.scale))


async def _prepare(
    settings: Settings, *, demo: bool, seed: int, anchor: datetime | None = None, scale: float = 1.0
) -> int:
    """Migrate, and seed the demo workspace when asked."""
    from server.auth.cli import announce_demo_admin
    from server.db import migrations
    from server.services.demo import seed_demo

    async def action(database: Any) -> int:
        await migrations.upgrade(database)
        print(f"database at revision {await migrations.current_revision(database)}", flush=True)
        if demo:
            summary = await seed_demo(database, seed=seed, anchor=anchor, scale=scale)
            print(summary.describe(), flush=True)
            await announce_demo_admin(database)
        return 0

    return await _with_database(settings, action)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    if not 0 < args.port < 65536:
        raise _UsageError(f"--port must be between 1 and 65535, got {args.port}")
    settings = _settings(args)
    workers = default_workers(settings.database_url) if args.workers is None else args.workers
    if not 1 <= workers <= 64:
        raise _UsageError(f"--workers must be between 1 and 64, got {args.workers}")
    # Migrations and seeding run on their own event loop and engine; the server opens a fresh one on its loop.
    status = _run(_prepare(settings, demo=args.demo, seed=args.seed))
    if status:
        return status
    print(f"LabelOps on http://{args.host}:{args.port}/graphql (health: /health), {workers} worker(s)", flush=True)
    if workers == 1:
        uvicorn.Server(uvicorn_config(create_app(settings), host=args.host, port=args.port, log_level="info")).run()
        return 0
    if settings.rate_limit_per_second > 0 and not settings.redis_url:
        print(
            f"warning: without LABELOPS_REDIS_URL each of the {workers} workers rate-limits on its own: "
            f"a key gets up to {workers} x {settings.rate_limit_per_second:g} requests/s",
            file=sys.stderr,
            flush=True,
        )
    # Each worker process builds the app from the environment, so the options given here travel in it.
    os.environ["LABELOPS_DATABASE_URL"] = settings.database_url
    # One listening socket shared by `workers` processes, each importing the app (uvicorn's supervisor restarts
    # one that dies); the options are `uvicorn_config`'s.
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=False,
        workers=workers,
    )
    return 0


def default_workers(database_url: str) -> int:
    """One process per core on a database server; one on SQLite, whose single writer more processes would queue on."""
    from sqlalchemy.engine import make_url

    from server.settings import default_worker_count

    try:
        backend = make_url(database_url).get_backend_name()
    except Exception:  # an unparsable URL is refused, naming it, when the database is opened
        return 1
    return 1 if backend == "sqlite" else default_worker_count()


def uvicorn_config(app: Any, *, host: str, port: int, log_level: str, **options: Any) -> Any:
    """How `serve` runs uvicorn (tests serve the app the same way); `options` go to `uvicorn.Config`.

    uvicorn's proxy headers are off: it would believe `X-Forwarded-For` from any client on 127.0.0.1. The app
    decides whom to believe (`LABELOPS_TRUSTED_PROXIES`, see `server.auth.proxies`).
    """
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level, proxy_headers=False, **options)


def _assets_install(args: argparse.Namespace) -> int:
    from server.assets import install_assets

    print(install_assets().describe())
    return 0
