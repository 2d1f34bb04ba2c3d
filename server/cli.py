"""The `labelops` command line: one entry point whose subcommands each live with the code they drive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from server import platform_commands
    from server.auth import cli as auth_cli
    from server.connectors import cli as connectors_cli
    from simulator import cli as simulator_cli

    parser = argparse.ArgumentParser(prog="labelops", description="Labeling operations platform and simulator.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    platform_commands.register(subparsers)
    auth_cli.register(subparsers)
    connectors_cli.register(subparsers)
    simulator_cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
