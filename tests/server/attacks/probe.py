"""Is the server still answering? A `/health` probe loop run beside an attack on a live server.

The event loop serves every request of a server process: one request that holds it (CPU-bound Python in a
resolver, a validation rule, serialising a huge answer) stalls all the others. The probe measures exactly that
from outside: it asks `/health` again and again while the attack runs, and reports the slowest answer. Timing the
attack itself would say nothing (a refused request may be slow to upload); a slow probe means a blocked loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import httpx

__all__ = ["ProbeReport", "probe_beside"]

_T = TypeVar("_T")
# Between probes: frequent enough to catch a 100 ms stall, sparse enough not to load two shared cores.
_INTERVAL_SECONDS = 0.01


@dataclass(frozen=True)
class ProbeReport:
    latencies: tuple[float, ...]  # seconds, one per probe answered while the attack ran

    @property
    def max_latency(self) -> float:
        return max(self.latencies)

    @property
    def samples(self) -> int:
        return len(self.latencies)


async def probe_beside(base_url: str, attack: Awaitable[_T], *, minimum_samples: int = 5) -> tuple[_T, ProbeReport]:
    """Run `attack` while probing `base_url`/health on a connection of its own; (the attack's result, the probe
    report). The probe starts answering before the attack is sent and takes at least `minimum_samples` samples,
    so a fast attack is still measured against a loop it had a chance to block."""
    latencies: list[float] = []
    attack_done = asyncio.Event()
    probe_ready = asyncio.Event()

    async def probe(client: httpx.AsyncClient) -> None:
        while not (attack_done.is_set() and len(latencies) >= minimum_samples):
            started = time.perf_counter()
            response = await client.get("/health")
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            latencies.append(elapsed)
            probe_ready.set()
            await asyncio.sleep(_INTERVAL_SECONDS)

    async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
        await client.get("/health")  # the connection is open before the attack, so its setup is not measured
        probing = asyncio.create_task(probe(client))
        await probe_ready.wait()
        try:
            result = await attack
        finally:
            attack_done.set()
        await probing
    return result, ProbeReport(tuple(latencies))
