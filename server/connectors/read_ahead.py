"""Reading a file ahead of its import, in a thread.

Parsing is Python work and writing a batch is mostly the database's (SQLite runs in the driver's thread without
the interpreter lock; PostgreSQL in its server), so parsing the next batch while the current one is written takes
the parse off the import's critical path. At most `depth` items wait; an error in the reader is raised where the
item would have been; leaving early (an error while writing) stops the reader before it reads further.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Iterator
from typing import TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_POLL_SECONDS = 0.05  # how soon a reader blocked on a full queue notices that the import stopped


async def read_ahead(items: Iterator[T], depth: int = 2) -> AsyncGenerator[T, None]:
    """Yield `items`, produced in a thread up to `depth` ahead of the consumer. Use inside `aclosing`."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
    slots = threading.Semaphore(depth)
    stop = threading.Event()

    def hand_over(kind: str, value: object) -> None:
        loop.call_soon_threadsafe(ready.put_nowait, (kind, value))

    def produce() -> None:
        try:
            for item in items:
                while not slots.acquire(timeout=_POLL_SECONDS):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                hand_over("item", item)
            hand_over("end", None)
        except BaseException as error:  # handed to the consumer, which raises it
            hand_over("error", error)

    reader = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = await ready.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            slots.release()
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        await asyncio.to_thread(reader.join)
