"""The server's simulation pool on the event loops the server runs on (asyncio's, and uvloop's when installed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from server.services.simulation_pool import SimulationPool

# Several times a pipe's buffer (64 KiB on Linux): sent and received in many pieces.
_LARGE = 4 * 1024 * 1024


def echo_length(payload: bytes) -> bytes:
    """A result as large as the arguments: both cross the pipe in pieces."""
    return bytes(len(payload))


async def _twice_through_one_worker() -> list[int]:
    pool = SimulationPool(1)
    try:
        first = await pool.run(echo_length, b"x" * _LARGE)
        # The same (now idle) worker takes the second task: its arguments are written on the same pipe.
        second = await pool.run(echo_length, b"y" * (_LARGE + 1))
        return [len(first), len(second)]
    finally:
        await pool.close()


def _uvloop_run() -> Callable[[Coroutine[Any, Any, list[int]]], list[int]]:
    uvloop = pytest.importorskip("uvloop")
    return uvloop.run  # type: ignore[no-any-return]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_given_results_and_arguments_larger_than_a_pipe_then_a_reused_worker_passes_them_whole(loop: str) -> None:
    run = asyncio.run if loop == "asyncio" else _uvloop_run()
    assert run(_twice_through_one_worker()) == [_LARGE, _LARGE + 1]
