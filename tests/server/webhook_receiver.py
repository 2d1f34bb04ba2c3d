"""A real webhook receiver on a loopback port (http.server in a thread) that checks each request's HMAC.

It answers with the scripted status codes in turn (the last one repeats) and records every request it got,
whether its signature verified, and its parsed body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from server.alerts.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

__all__ = ["Received", "Receiver", "receiver"]


@dataclass(frozen=True)
class Received:
    verified: bool
    event: str | None
    delivery: str | None
    body: dict[str, Any]
    raw: bytes
    host: str | None = None


@dataclass
class Receiver:
    secret: str
    statuses: list[int]
    url: str = ""
    requests: list[Received] = field(default_factory=list)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def receiver(secret: str, statuses: list[int] | None = None, *, port: int = 0) -> Iterator[Receiver]:
    """A receiver on `port` (0: any free one)."""
    state = Receiver(secret=secret, statuses=list(statuses or [200]))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = verify(
                state.secret,
                self.headers.get(TIMESTAMP_HEADER, ""),
                raw,
                self.headers.get(SIGNATURE_HEADER, ""),
                now=time.time(),
            )
            with lock:
                state.requests.append(
                    Received(
                        verified,
                        self.headers.get(EVENT_HEADER),
                        self.headers.get(DELIVERY_HEADER),
                        json.loads(raw),
                        raw,
                        self.headers.get("Host"),
                    )
                )
                status = state.next_status() if verified else 401
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/labelops"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
