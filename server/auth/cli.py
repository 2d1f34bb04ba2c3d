"""`labelops create-admin`: bootstrap an admin and print an API key for it, once; and the demo admin's banner."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from server.db.session import Database
from server.db.types import utcnow
from server.settings import load_settings

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
    parser.set_defaults(handler=_create_admin)


def _create_admin(args: argparse.Namespace) -> int:
    from server.services.errors import DomainError

    if args.expires_days is not None and args.expires_days <= 0:
        print(f"error: --expires-days must be > 0, got {args.expires_days}", file=sys.stderr)
        return 2
    try:
        token = asyncio.run(_issue(args))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"admin {args.email.strip().lower()} ready. API key (shown once, store it now):")
    print(token)
    print(f"use it as the header  Authorization: Bearer {token}")
    return 0


async def _issue(args: argparse.Namespace) -> str:
    from server.auth.users import ensure_admin_key
    from server.services.schema import upgrade_database

    database = Database(args.database_url or load_settings().database_url)
    try:
        await upgrade_database(database)
        expires = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None
        async with database.transaction() as session:
            issued = await ensure_admin_key(
                session, email=args.email, name=args.name, key_name=args.key_name, expires_at=expires
            )
        return issued.token
    finally:
        await database.dispose()


async def announce_demo_admin(database: Database) -> None:
    """Create (idempotently) the demo admin, give it a fresh key (the previous demo key stops working) and print it."""
    from server.auth.users import DEMO_ADMIN_EMAIL, ensure_demo_admin

    async with database.transaction() as session:
        issued = await ensure_demo_admin(session)
    print(f"demo admin {DEMO_ADMIN_EMAIL}; API key for this run (GraphiQL: Headers tab):", flush=True)
    print(f'  {{"Authorization": "Bearer {issued.token}"}}', flush=True)
