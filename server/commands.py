"""Platform subcommands of `labelops`: database migrations, serving, seeding and static assets."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the platform's subcommands; each sets `handler` to a callable taking the parsed args."""
