"""Spacing out Python's cyclic garbage collector while an import runs.

An import allocates millions of small objects that live for a batch (records, tuples, states) and creates no
reference cycles worth collecting early. With the default thresholds (a young collection every 700 allocations,
and older generations scanned in proportion) the collector rescans the live batch over and over: measured on a
200,000-row import it took about a third of the interpreter's time. Raising the youngest generation's threshold
keeps the collector running, just far less often; the thresholds are the process's, so they are restored when the
last import running in the process ends.

The youngest generation's count goes up for each new container object and down for each one freed, so it only
reaches the threshold when that many more live: an import's own live objects (the batches parsed ahead and the one
being written) crossed a threshold of 100,000 every batch or so, each collection rescanning them (13
collections, 0.34 s of a 200,000-row CSV import; 30 and 0.69 s for Label Studio JSON, whose whole parsed file
lives through the import). At 1,000,000 a CSV import collects twice (5 ms) and a Label Studio import twice while
its file is parsed (0.26 s). What waits longer to be collected is garbage in reference cycles, of which an import
makes little.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["IMPORT_THRESHOLDS", "collection_spaced"]

IMPORT_THRESHOLDS = (1_000_000, 50, 1000)  # a young collection per million more live objects; older ones rarer

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collection_spaced() -> Iterator[None]:
    """Run the body with `IMPORT_THRESHOLDS` (never lowering a threshold already set higher, nor turning on a
    collection switched off by a zero threshold)."""
    global _running, _saved
    with _lock:
        if _running == 0 and gc.get_threshold()[0] != 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*(max(now, wanted) for now, wanted in zip(_saved, IMPORT_THRESHOLDS, strict=True)))
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
