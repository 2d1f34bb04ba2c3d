"""A minimal HTTP/1.1 keep-alive client for load benchmarks: one socket per client, requests prebuilt as bytes.

httpx costs a few hundred microseconds of CPU per request in the client; with 50 clients in one process on the
two cores the server runs on, that is a large share of what a load test measures. This client writes a
prebuilt request and reads the status line, the headers it needs (`content-length`, `transfer-encoding`) and the
body, and nothing else, so the cores go to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Connection", "build_post", "split_url"]


def split_url(url: str) -> tuple[str, int, str]:
    """`http://host:port/path` as (host, port, path); only plain HTTP, which is all loopback benchmarks need."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"url: only http://host[:port]/path is supported, got {url!r}")
    return parts.hostname, parts.port or 80, parts.path or "/"


def build_post(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A complete POST request for a kept-alive connection."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One kept-alive connection; one request at a time (as one client of a load test)."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.host, self.port, self.path, self.headers = host, port, path, headers
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):  # the server may close first; nothing is left to read
                await self._writer.wait_closed()

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Write a prebuilt request; return the status code and the body."""
        if self._reader is None or self._writer is None:
            raise RuntimeError("connection: use it inside `async with`")
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = -1
        chunked = False
        for line in head.lower().split(b"\r\n")[1:]:
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"transfer-encoding:") and b"chunked" in line:
                chunked = True
        if chunked:
            return status, await self._read_chunks()
        if length < 0:
            raise RuntimeError(f"response without content-length or chunked encoding: {head[:200]!r}")
        return status, await self._reader.readexactly(length)

    async def _read_chunks(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self._reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])

    async def post_json(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """POST `payload` as JSON to this connection's path; the status and the decoded body (None if not JSON)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        status, raw = await self.send(build_post(self.host, self.port, self.path, body, self.headers))
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None
