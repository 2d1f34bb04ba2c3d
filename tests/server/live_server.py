"""A real server for robustness tests: uvicorn in a subprocess on a free loopback port, on a prepared database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.db import Base, Database
from tests.server.access_world import AccessWorld, build_access_world

__all__ = ["LiveServer", "drop_database", "free_port", "live_server", "prepare_world"]

_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_world(url: str) -> AccessWorld:
    """A fresh schema with the access-control workspace in it (its own event loop and engine)."""

    async def prepare() -> AccessWorld:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
                await connection.run_sync(Base.metadata.create_all)
            return await build_access_world(database)
        finally:
            await database.dispose()

    return asyncio.run(prepare())


def drop_database(url: str) -> None:
    async def drop() -> None:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
        finally:
            await database.dispose()

    asyncio.run(drop())


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing; what was committed must survive anyway."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def live_server(database_url: str, workers: int = 1, **environment: str) -> Iterator[LiveServer]:
    """uvicorn serving `server.app:create_app` on 127.0.0.1 until the block ends (or the test kills it), in
    `workers` processes sharing the port."""
    port = free_port()
    env = {**os.environ, "LABELOPS_DATABASE_URL": database_url, "LABELOPS_RATE_LIMIT": "0", **environment}
    command = [
        sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--timeout-keep-alive", "120", "--workers", str(workers),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=_ROOT, env=env)
    server = LiveServer(base_url=f"http://127.0.0.1:{port}", process=process)
    try:
        deadline = time.monotonic() + 300  # a loaded machine imports slowly
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode} before it was ready")
            try:
                if httpx.get(f"{server.base_url}/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready within 300 s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
