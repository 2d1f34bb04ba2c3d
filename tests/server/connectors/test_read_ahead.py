"""Reading ahead in a thread: every item in order, the reader's error where it happened, and a reader that stops
when the import does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import aclosing

import pytest

from server.connectors.read_ahead import read_ahead


def _reader_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "import-read-ahead"]


async def test_given_items_when_read_ahead_then_all_come_in_order() -> None:
    async with aclosing(read_ahead(iter(range(100)), depth=2)) as items:
        seen = [item async for item in items]

    assert seen == list(range(100))
    assert not _reader_threads()


async def test_given_a_reader_that_fails_then_the_error_comes_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3: broken")

    seen = []
    with pytest.raises(ValueError, match="line 3: broken"):
        async with aclosing(read_ahead(failing())) as items:
            async for item in items:
                seen.append(item)

    assert seen == [1, 2]


async def test_given_a_consumer_that_stops_early_then_the_reader_stops_within_its_depth() -> None:
    produced = 0

    def endless() -> Iterator[int]:
        nonlocal produced
        while True:
            produced += 1
            yield produced

    with pytest.raises(RuntimeError, match="write failed"):
        async with aclosing(read_ahead(endless(), depth=2)) as items:
            async for item in items:
                if item == 3:
                    raise RuntimeError("write failed")

    await asyncio.sleep(0)
    assert not _reader_threads()
    assert produced <= 3 + 2 + 1  # what was consumed, what may wait, the one read when the stop came
