"""`labelops create-admin`: bootstrap an admin and print an API key for it, once; and the demo admin's banner."""

from __future__ import annotations

import argparse
from datetime import timedelta

from server.db.session import Database
from server.db.types import utcnow

__all__ = ["announce_demo_admin", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "create-admin", help="create (or reactivate) an admin user and print a new API key for it, once"
    )
    parser.add_argument("--email", required=True, help="the admin's email; an existing user is promoted to admin")
    parser.add_argument("--name", default="", help="display name")
    parser.add_argument("--key-name", default="cli", help="a label for the key (default: cli)")
    parser.add_argument("--expires-days", type=float, default=None, help="key lifetime in days (default: never)")
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy async URL (default: $LABELOPS_DATABASE_URL or the SQLite file)"
    )
    from server.platform_commands import guarded

    parser.set_defaults(handler=guarded(_create_admin))


# A hundred years: a longer lifetime is "never", which leaving the option out says.
_MAX_EXPIRES_DAYS = 36_500


def _create_admin(args: argparse.Namespace) -> int:
    from server.platform_commands import UsageError, run_interruptible, settings_of, with_database

    days = args.expires_days
    if days is not None and not 0 < days <= _MAX_EXPIRES_DAYS:  # NaN fails both comparisons
        raise UsageError(f"--expires-days must be more than 0 and at most {_MAX_EXPIRES_DAYS}, got {days}")
    token = run_interruptible(with_database(settings_of(args), lambda database: _issue(database, args)))
    print(f"admin {args.email.strip().lower()} ready. API key (shown once, store it now):")
    print(token)
    print(f"use it as the header  Authorization: Bearer {token}")
    return 0


async def _issue(database: Database, args: argparse.Namespace) -> str:
    from server.auth.users import ensure_admin_key
    from server.services.schema import upgrade_database

    await upgrade_database(database)
    expires = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None
    async with database.transaction() as session:
        issued = await ensure_admin_key(
            session, email=args.email, name=args.name, key_name=args.key_name, expires_at=expires
        )
    return issued.token


async def announce_demo_admin(database: Database) -> None:
    """Create (idempotently) the demo admin, give it a fresh key (the previous demo key stops working) and print it."""
    from server.auth.users import DEMO_ADMIN_EMAIL, ensure_demo_admin

    async with database.transaction() as session:
        issued = await ensure_demo_admin(session)
    print(f"demo admin {DEMO_ADMIN_EMAIL}; API key for this run (GraphiQL: Headers tab):", flush=True)
    print(f'  {{"Authorization": "Bearer {issued.token}"}}', flush=True)
