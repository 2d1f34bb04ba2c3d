"""Simulator subcommands of `labelops`: `simulate` and `plugins`."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the simulator's subcommands; each sets `handler` to a callable taking the parsed args."""
